"""Date and number formats per language (FORMAT_MODULE_PATH); a language without a module here uses Django's."""
