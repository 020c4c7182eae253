from django.apps import AppConfig
from django.conf import settings
from django.db.models.signals import pre_save


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "REST API"

    def ready(self):
        from .tokens import revoke_tokens_on_new_password

        pre_save.connect(
            revoke_tokens_on_new_password,
            sender=settings.AUTH_USER_MODEL,
            dispatch_uid="api.revoke_tokens_on_new_password",
        )
