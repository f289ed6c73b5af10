"""authentik's permission catalogue as the local server serves it.

A permission string is "<app_label>.<codename>". Django gives every model the codenames add_/change_/delete_/
view_<model>; authentik's models add their own in Meta.permissions. The models are those of the `model` choice
(ModelEnum) of `POST /rbac/permissions/assigned_by_roles/{uuid}/assign/` in authentik 2026.5.6, used for every
emulated release: which models each older release had is not tracked, nor are the few permissions of
non-authentik apps that 2024.12's list still showed. The extra codenames and the human-readable names of the
authentik_core user, group and token models and of authentik_rbac follow core/models.py and rbac/models.py; the
verbose names of the other models are derived from the model name (not verified).
"""

# app_label.model of the RBAC-managed models, in the order of authentik 2026.5.6's ModelEnum.
MODELS = (
    "authentik_tenants.domain", "authentik_core.group", "authentik_core.user", "authentik_core.application",
    "authentik_core.applicationentitlement", "authentik_core.token", "authentik_crypto.certificatekeypair",
    "authentik_endpoints.deviceuserbinding", "authentik_endpoints.deviceaccessgroup",
    "authentik_endpoints.endpointstage", "authentik_endpoints_connectors_agent.agentconnector",
    "authentik_endpoints_connectors_agent.agentdeviceuserbinding",
    "authentik_endpoints_connectors_agent.enrollmenttoken", "authentik_enterprise.license",
    "authentik_events.event", "authentik_events.notificationtransport", "authentik_events.notification",
    "authentik_events.notificationrule", "authentik_events.notificationwebhookmapping", "authentik_flows.flow",
    "authentik_flows.flowstagebinding", "authentik_outposts.dockerserviceconnection",
    "authentik_outposts.kubernetesserviceconnection", "authentik_outposts.outpost",
    "authentik_policies_dummy.dummypolicy", "authentik_policies_event_matcher.eventmatcherpolicy",
    "authentik_policies_expiry.passwordexpirypolicy", "authentik_policies_expression.expressionpolicy",
    "authentik_policies_geoip.geoippolicy", "authentik_policies_password.passwordpolicy",
    "authentik_policies_reputation.reputationpolicy", "authentik_policies.policybinding",
    "authentik_providers_ldap.ldapprovider", "authentik_providers_oauth2.scopemapping",
    "authentik_providers_oauth2.oauth2provider", "authentik_providers_proxy.proxyprovider",
    "authentik_providers_rac.racprovider", "authentik_providers_rac.endpoint",
    "authentik_providers_rac.racpropertymapping", "authentik_providers_radius.radiusprovider",
    "authentik_providers_radius.radiusproviderpropertymapping", "authentik_providers_saml.samlprovider",
    "authentik_providers_saml.samlpropertymapping", "authentik_providers_scim.scimprovider",
    "authentik_providers_scim.scimmapping", "authentik_rbac.role", "authentik_rbac.initialpermissions",
    "authentik_sources_kerberos.kerberossource", "authentik_sources_kerberos.kerberossourcepropertymapping",
    "authentik_sources_kerberos.userkerberossourceconnection",
    "authentik_sources_kerberos.groupkerberossourceconnection", "authentik_sources_ldap.ldapsource",
    "authentik_sources_ldap.ldapsourcepropertymapping", "authentik_sources_ldap.userldapsourceconnection",
    "authentik_sources_ldap.groupldapsourceconnection", "authentik_sources_oauth.oauthsource",
    "authentik_sources_oauth.oauthsourcepropertymapping", "authentik_sources_oauth.useroauthsourceconnection",
    "authentik_sources_oauth.groupoauthsourceconnection", "authentik_sources_plex.plexsource",
    "authentik_sources_plex.plexsourcepropertymapping", "authentik_sources_plex.userplexsourceconnection",
    "authentik_sources_plex.groupplexsourceconnection", "authentik_sources_saml.samlsource",
    "authentik_sources_saml.samlsourcepropertymapping", "authentik_sources_saml.usersamlsourceconnection",
    "authentik_sources_saml.groupsamlsourceconnection", "authentik_sources_scim.scimsource",
    "authentik_sources_scim.scimsourcepropertymapping", "authentik_sources_telegram.telegramsource",
    "authentik_sources_telegram.telegramsourcepropertymapping",
    "authentik_sources_telegram.usertelegramsourceconnection",
    "authentik_sources_telegram.grouptelegramsourceconnection",
    "authentik_stages_authenticator_duo.authenticatorduostage", "authentik_stages_authenticator_duo.duodevice",
    "authentik_stages_authenticator_email.authenticatoremailstage",
    "authentik_stages_authenticator_email.emaildevice", "authentik_stages_authenticator_sms.authenticatorsmsstage",
    "authentik_stages_authenticator_sms.smsdevice",
    "authentik_stages_authenticator_static.authenticatorstaticstage",
    "authentik_stages_authenticator_static.staticdevice",
    "authentik_stages_authenticator_totp.authenticatortotpstage", "authentik_stages_authenticator_totp.totpdevice",
    "authentik_stages_authenticator_validate.authenticatorvalidatestage",
    "authentik_stages_authenticator_webauthn.authenticatorwebauthnstage",
    "authentik_stages_authenticator_webauthn.webauthndevice", "authentik_stages_captcha.captchastage",
    "authentik_stages_consent.consentstage", "authentik_stages_deny.denystage", "authentik_stages_dummy.dummystage",
    "authentik_stages_email.emailstage", "authentik_stages_identification.identificationstage",
    "authentik_stages_invitation.invitationstage", "authentik_stages_invitation.invitation",
    "authentik_stages_password.passwordstage", "authentik_stages_prompt.prompt",
    "authentik_stages_prompt.promptstage", "authentik_stages_redirect.redirectstage",
    "authentik_stages_user_delete.userdeletestage", "authentik_stages_user_login.userloginstage",
    "authentik_stages_user_logout.userlogoutstage", "authentik_stages_user_write.userwritestage",
    "authentik_tasks_schedules.schedule", "authentik_brands.brand", "authentik_blueprints.blueprintinstance",
    "authentik_endpoints_connectors_fleet.fleetconnector",
    "authentik_endpoints_connectors_google_chrome.googlechromeconnector", "authentik_lifecycle.lifecyclerule",
    "authentik_lifecycle.lifecycleiteration", "authentik_lifecycle.review",
    "authentik_policies_unique_password.uniquepasswordpolicy",
    "authentik_providers_google_workspace.googleworkspaceprovider",
    "authentik_providers_google_workspace.googleworkspaceprovidermapping",
    "authentik_providers_microsoft_entra.microsoftentraprovider",
    "authentik_providers_microsoft_entra.microsoftentraprovidermapping", "authentik_providers_ssf.ssfprovider",
    "authentik_providers_ws_federation.wsfederationprovider", "authentik_reports.dataexport",
    "authentik_stages_account_lockdown.accountlockdownstage",
    "authentik_stages_authenticator_endpoint_gdtc.authenticatorendpointgdtcstage",
    "authentik_stages_mtls.mutualtlsstage", "authentik_stages_source.sourcestage",
)

# Codenames Meta.permissions adds to a model: (codename, name, since release or None).
EXTRA = {
    "authentik_core.user": [
        ("reset_user_password", "Reset Password", None),
        ("impersonate", "Can impersonate other users", None),
        ("preview_user", "Can preview user data sent to providers", None),
        ("view_user_applications", "View applications the user has access to", None),
    ],
    "authentik_core.group": [
        ("add_user_to_group", "Add user to group", None),
        ("remove_user_from_group", "Remove user from group", None),
        ("enable_group_superuser", "Enable superuser status", None),
        ("disable_group_superuser", "Disable superuser status", None),
    ],
    "authentik_core.token": [
        ("view_token_key", "View token's key", None),
        ("set_token_key", "Set a token's key", None),
    ],
    "authentik_rbac.role": [
        ("assign_role_permissions", "Can assign permissions to users", None),
        ("unassign_role_permissions", "Can unassign permissions from users", None),
    ],
    # SystemPermission has default_permissions = (): only these.
    "authentik_rbac.systempermission": [
        ("view_system_info", "Can view system info", None),
        ("access_admin_interface", "Can access admin interface", None),
        ("view_system_settings", "Can view system settings", None),
        ("edit_system_settings", "Can edit system settings", None),
        ("view_media_files", "Can view media files", "2025.12"),
        ("manage_media_files", "Can manage media files", "2025.12"),
    ],
}
NO_DEFAULT_PERMISSIONS = {"authentik_rbac.systempermission"}

APP_VERBOSE = {"authentik_core": "authentik Core", "authentik_rbac": "authentik RBAC"}
MODEL_VERBOSE = {
    "authentik_core.user": "User",
    "authentik_core.group": "Group",
    "authentik_core.token": "Token",
    "authentik_core.application": "Application",
    "authentik_rbac.role": "Role",
    "authentik_rbac.systempermission": "System permission",
}
ACTIONS = ("add", "change", "delete", "view")


def _app_verbose(app_label):
    if app_label in APP_VERBOSE:
        return APP_VERBOSE[app_label]
    return "authentik " + ".".join(part.title() for part in app_label.split("_")[1:])


def _build():
    """Every permission with a stable integer id, as (id, app_label, model, codename, name, since)."""
    rows = []
    labels = list(MODELS) + ["authentik_rbac.systempermission"]
    for label in labels:
        app_label, model = label.split(".")
        verbose = MODEL_VERBOSE.get(label, model.title())
        defaults = [] if label in NO_DEFAULT_PERMISSIONS else [
            (f"{action}_{model}", f"Can {action} {verbose}", None) for action in ACTIONS]
        for codename, name, since in defaults + EXTRA.get(label, []):
            rows.append({
                "id": len(rows) + 1,
                "app_label": app_label,
                "model": model,
                "codename": codename,
                "name": name,
                "app_label_verbose": _app_verbose(app_label),
                "model_verbose": verbose,
                "since": since,
            })
    return rows


_ALL = _build()


class Catalogue:
    """The permissions one emulated release has."""

    def __init__(self, version):
        self.version = version
        self.rows = [row for row in _ALL if row["since"] is None or version.at_least(row["since"])]
        self.by_id = {row["id"]: row for row in self.rows}
        self._by_name = {(row["app_label"], row["codename"]): row for row in self.rows}

    def get(self, app_label, codename):
        return self._by_name.get((app_label, codename))

    def for_model(self, label, codename):
        """A codename looked up within one model's content type (object assignments)."""
        row = self.get(label.split(".")[0], codename)
        return row if row is not None and row_label(row) == label else None

    @staticmethod
    def models():
        return MODELS


def row_label(row):
    return f"{row['app_label']}.{row['model']}"


def permission_json(row):
    """The Permission item of /rbac/permissions/."""
    return {key: row[key] for key in ("id", "name", "codename", "model", "app_label", "app_label_verbose",
                                      "model_verbose")}
