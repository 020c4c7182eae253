from django.conf import settings
from django.db import models


class ApiToken(models.Model):
    """A user's API token. Only the SHA-256 digest of the key is stored: the key itself is shown once, at creation."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_token")
    digest = models.CharField(max_length=64, unique=True)
    # The key's first characters, so that its owner can tell which key this is.
    prefix = models.CharField(max_length=8)
    created = models.DateTimeField(auto_now_add=True)
    # When a request last signed in with it, to the minute (api.tokens.user_for_key writes it at most once a minute).
    last_used = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"

    def __str__(self):
        return f"{self.prefix}… of {self.user}"
