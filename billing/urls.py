"""URLs of billing: sign in/out, keys, usage, team credits, the audit log, and the staff pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from billing.people_forms import HubPasswordResetForm
from billing.views import audit, controls, credit_requests, keys, lead, people, requests, sso, staff, team, usage

urlpatterns = [
    path("accounts/login/", sso.SignInPage.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Password reset: Django's views; links on SITE_URL and to people with no password yet (HubPasswordResetForm).
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=HubPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"
    ),
    path("accounts/sso/", sso.sso_start, name="billing-sso-start"),
    path("accounts/sso/callback/", sso.sso_callback, name="billing-sso-callback"),
    path("join/<str:token>/", people.accept_invitation, name="billing-invitation-accept"),
    path("people/", people.people_start, name="billing-people-start"),
    path("staff/people/", people.staff_people, name="billing-people"),
    path("staff/people/<int:user_id>/", people.staff_person_action, name="billing-person-action"),
    path("teams/<slug:slug>/people/", people.team_people, name="billing-team-people"),
    path("teams/<slug:slug>/people/<int:user_id>/role/", people.team_member_role, name="billing-team-member-role"),
    path(
        "teams/<slug:slug>/people/<int:user_id>/remove/", people.team_member_remove, name="billing-team-member-remove"
    ),
    path(
        "teams/<slug:slug>/invitations/<int:invitation_id>/resend/",
        people.team_invitation_action,
        {"action": "resend"},
        name="billing-team-invitation-resend",
    ),
    path(
        "teams/<slug:slug>/invitations/<int:invitation_id>/cancel/",
        people.team_invitation_action,
        {"action": "cancel"},
        name="billing-team-invitation-cancel",
    ),
    path("keys/", keys.keys_page, name="billing-keys"),
    path("keys/<int:key_id>/revoke/", keys.revoke_key_page, name="billing-key-revoke"),
    path("keys/<int:key_id>/settings/", controls.key_settings_page, name="billing-key-settings"),
    path("usage/", usage.my_usage, name="billing-usage"),
    path("requests/<str:request_id>/", requests.request_page, name="billing-request"),
    path("teams/", team.teams_page, name="billing-teams"),
    path("teams/<slug:slug>/credits/", team.team_credits_page, name="billing-team-credits"),
    path("teams/<slug:slug>/credits/threshold/", team.set_threshold, name="billing-team-threshold"),
    path("teams/<slug:slug>/credits/webhook/", team.set_webhook, name="billing-team-webhook"),
    path("teams/<slug:slug>/credits/webhook/test/", team.send_webhook_test, name="billing-team-webhook-test"),
    path("teams/<slug:slug>/budgets/", controls.budget_add, name="billing-budget-add"),
    path("teams/<slug:slug>/budgets/<int:budget_id>/", controls.budget_change, name="billing-budget-change"),
    path("teams/<slug:slug>/budgets/<int:budget_id>/delete/", controls.budget_delete, name="billing-budget-delete"),
    path("credits/ask/", credit_requests.ask_credits_start, name="billing-ask-credits-start"),
    path("teams/<slug:slug>/credits/ask/", credit_requests.ask_credits, name="billing-ask-credits"),
    path("teams/<slug:slug>/members/<int:user_id>/", lead.member_page, name="billing-team-member"),
    path("teams/<slug:slug>/requests/", lead.team_requests, name="billing-team-requests"),
    path("teams/<slug:slug>/requests/export.csv", lead.team_requests_export, name="billing-team-requests-export"),
    path(
        "teams/<slug:slug>/credit-requests/<int:request_id>/decide/",
        lead.decide_team_credit_request,
        name="billing-team-credit-request-decide",
    ),
    path("teams/<slug:slug>/credits/lead-allowance/", lead.set_lead_allowance, name="billing-team-lead-allowance"),
    path("staff/credit-requests/", credit_requests.credit_requests_page, name="billing-credit-requests"),
    path(
        "staff/credit-requests/<int:request_id>/decide/",
        credit_requests.decide_credit_request,
        name="billing-credit-request-decide",
    ),
    path("staff/spend/", staff.spend_review, name="billing-spend"),
    path("staff/spend/records/", staff.spend_records, name="billing-spend-records"),
    path("staff/spend/find/", staff.find_request, name="billing-spend-find"),
    path("staff/spend/export.csv", staff.spend_export, name="billing-spend-export"),
    path("staff/credits/", staff.credits_page, name="billing-credits"),
    path("staff/price-match/", staff.price_match, name="billing-price-match"),
    path("audit/", audit.audit_log_page, name="billing-audit-log"),
    path("audit/export.csv", audit.audit_log_export, name="billing-audit-export"),
]
