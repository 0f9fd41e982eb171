from django.contrib.auth import views as auth_views
from django.urls import path

from chat import document_views, organise_views, project_views, prompt_views, share_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("c/new", views.new_conversation, name="conversation-new"),
    path("c/images", views.upload_image, name="image-upload"),
    path("c/documents", document_views.upload_document, name="document-upload"),
    path("c/model", views.model_preference, name="model-preference"),
    path("c/model/favourite", views.model_favourite, name="model-favourite"),
    path("c/model/team-default", views.team_model_default, name="model-team-default"),
    path("c/images/<int:image_id>", views.image, name="image"),
    path("c/answers/<int:message_id>/feedback", views.answer_feedback, name="answer-feedback"),
    path("c/<int:conversation_id>/", views.conversation, name="conversation"),
    path("c/<int:conversation_id>/messages", views.messages_json, name="conversation-messages"),
    path("c/<int:conversation_id>/model-estimates", views.model_estimates, name="conversation-model-estimates"),
    path("c/<int:conversation_id>/rename", views.rename, name="conversation-rename"),
    path("c/<int:conversation_id>/delete", views.delete, name="conversation-delete"),
    path("c/<int:conversation_id>/export.<str:fmt>", views.export, name="conversation-export"),
    path("c/<int:conversation_id>/share", share_views.share_create, name="conversation-share"),
    path("c/<int:conversation_id>/shares", share_views.conversation_links, name="conversation-shares"),
    path("shared/", share_views.shared_links, name="shared-links"),
    path("shared/<int:link_id>/revoke", share_views.share_revoke, name="shared-link-revoke"),
    path("s/<str:token>/", share_views.shared_conversation, name="shared-conversation"),
    path("s/<str:token>/images/<int:image_id>", share_views.shared_image, name="shared-image"),
    # Organise and find (the sidebar): its list, folders, pins, moves, live search.
    path("c/list", organise_views.conversation_list, name="conversation-list"),
    path("c/search", organise_views.search, name="conversation-search"),
    path("c/folders/new", organise_views.folder_new, name="folder-new"),
    path("c/folders/<int:folder_id>/rename", organise_views.folder_rename, name="folder-rename"),
    path("c/folders/<int:folder_id>/delete", organise_views.folder_delete, name="folder-delete"),
    path("c/<int:conversation_id>/pin", organise_views.pin, name="conversation-pin"),
    path("c/<int:conversation_id>/folder", organise_views.move, name="conversation-move"),
    # The prompt library: its page, and the composer's "/" list.
    path("prompts/", prompt_views.prompts_page, name="prompts"),
    path("prompts/new", prompt_views.prompt_new, name="prompt-new"),
    path("prompts/<int:prompt_id>/edit", prompt_views.prompt_edit, name="prompt-edit"),
    path("prompts/<int:prompt_id>/delete", prompt_views.prompt_delete, name="prompt-delete"),
    path("prompts.json", prompt_views.prompts_json, name="prompts-json"),
    # Team projects: instructions and a default model for the team's chats in them.
    path("projects/", project_views.project_list, name="projects"),
    path("projects/new", project_views.project_new, name="project-new"),
    path("projects/<int:project_id>/", project_views.project_page, name="project"),
    path("projects/<int:project_id>/edit", project_views.project_edit, name="project-edit"),
    path("projects/<int:project_id>/archive", project_views.project_archive, name="project-archive"),
    path("projects/<int:project_id>/files", project_views.project_file_add, name="project-file-add"),
    path(
        "projects/<int:project_id>/files/<int:document_id>/remove",
        project_views.project_file_remove,
        name="project-file-remove",
    ),
    path("compare/", views.compare, name="compare"),
    path("compare/new", views.compare_create, name="compare-new"),
    path("compare/<int:run_id>/", views.compare, name="compare-run"),
    path("compare/<int:run_id>/vote", views.compare_vote, name="compare-vote"),
    path("compare/<int:run_id>/answers/<int:answer_id>/continue", views.compare_continue, name="compare-continue"),
    path("compare/leaderboard/", views.leaderboard_page, name="compare-leaderboard"),
    # Password change lives with the chat because the chat is where people without API keys sign in.
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]
