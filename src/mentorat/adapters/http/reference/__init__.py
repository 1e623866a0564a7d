"""The interactive API reference, served with its assets from this package: no CDN, no network.

Swagger UI (at `/schema` and `/schema/swagger`) and Redoc (at `/schema/redoc`) are Litestar's
render plugins, pointed at the files of `static/` instead of their CDN defaults. The files are
copied unchanged from pinned npm packages, each in a directory named after its version (so a
browser may cache them for good) with its licence beside it; SOURCES.md lists them with their
checksums, which tests/http/test_http_reference.py checks.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Final

from litestar import Request
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import OpenAPIRenderPlugin, RedocRenderPlugin, SwaggerRenderPlugin
from litestar.router import Router
from litestar.static_files import create_static_files_router

SWAGGER_UI: Final = "swagger-ui-5.35.0"
REDOC: Final = "redoc-2.5.2"
# Where the assets are served, under the OpenAPI path (`/schema`).
ASSETS_PATH: Final = "/schema/assets"


def assets_directory() -> Path:
    """The `static` directory beside this module: one sub-directory per vendored package."""
    return Path(str(files(__name__).joinpath("static")))


# What a browser without JavaScript shows instead of a blank page.
NOSCRIPT: Final = (
    b"<noscript><p>This page shows the API reference with JavaScript, which is off. The "
    b"OpenAPI document itself is at <a href='/schema/openapi.json'>/schema/openapi.json</a>."
    b"</p></noscript>"
)


def _with_noscript(page: bytes) -> bytes:
    return page.replace(b"<body>", b"<body>" + NOSCRIPT, 1)


class SwaggerPage(SwaggerRenderPlugin):
    """Litestar's Swagger UI page, with a `<noscript>` note (`render` is meant to be
    overridden to change the page)."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _with_noscript(super().render(request, openapi_schema))


class RedocPage(RedocRenderPlugin):
    """Litestar's Redoc page, with the same `<noscript>` note."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return _with_noscript(super().render(request, openapi_schema))


def render_plugins() -> list[OpenAPIRenderPlugin]:
    """Swagger UI at `/schema` and `/schema/swagger`, Redoc at `/schema/redoc`: local assets."""
    swagger = f"{ASSETS_PATH}/{SWAGGER_UI}"
    favicon = f"<link rel='icon' type='image/png' href='{swagger}/favicon-32x32.png'>"
    return [
        SwaggerPage(
            path=["/", "/swagger"],
            js_url=f"{swagger}/swagger-ui-bundle.js",
            css_url=f"{swagger}/swagger-ui.css",
            standalone_preset_js_url=f"{swagger}/swagger-ui-standalone-preset.js",
            favicon=favicon,
        ),
        RedocPage(
            path="/redoc",
            js_url=f"{ASSETS_PATH}/{REDOC}/redoc.standalone.js",
            # Redoc's fonts come from Google by default; the browser's own serve offline.
            google_fonts=False,
            favicon=favicon,
        ),
    ]


def assets_router() -> Router:
    """The vendored files at ASSETS_PATH, out of the OpenAPI document. A file's URL names its
    package's version, so browsers may keep it for a year."""
    return create_static_files_router(
        path=ASSETS_PATH,
        directories=[assets_directory()],
        cache_control=CacheControlHeader(max_age=365 * 24 * 3600, public=True),
        include_in_schema=False,
    )
