"""The OpenAPI schema and its interactive page, served under the site's Content-Security-Policy.

The policy allows only this site's own scripts and styles, with nothing inline: Swagger UI's files come from the
drf-spectacular-sidecar package through our static files, and its start-up script is a separate request
(SpectacularSwaggerSplitView), rendered into a page of ours without inline styles.
"""

from django.templatetags.static import static
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    """The OpenAPI 3 schema (YAML by default, JSON with ?format=json or Accept: application/json)."""


class DocsView(SpectacularSwaggerSplitView):
    url_name = "api:schema"
    template_name = "api/swagger_ui.html"
    title = "Primetric API"

    @staticmethod
    def _swagger_ui_resource(filename):
        return static(f"drf_spectacular_sidecar/swagger-ui-dist/{filename}")

    @staticmethod
    def _swagger_ui_favicon():
        return static("drf_spectacular_sidecar/swagger-ui-dist/favicon-32x32.png")
