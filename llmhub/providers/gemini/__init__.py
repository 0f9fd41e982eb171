"""The gemini wire format, upstream half: the adapter and its request, response and stream translation."""
