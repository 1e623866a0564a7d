"""The web app for people: server-rendered pages over the use cases, beside the JSON API.

`WebPages(mentorat)` is a Litestar init plugin: given to the app (`create_app(...,
plugins=[...])`), it adds the pages under `/`, the packaged static files under `/static`, and
the Jinja2 template engine. The pages have their own error table (errors.py) and their own
session and form-token hook (visits.py), set on their router so the API's are untouched.
"""

from __future__ import annotations

import hashlib
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from litestar import Router
from litestar.config.app import AppConfig
from litestar.datastructures import CacheControlHeader
from litestar.plugins import InitPluginProtocol
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from mentorat.adapters.web import accounts, admin, finding, live, mentorings, requests
from mentorat.adapters.web.errors import EXCEPTION_HANDLERS
from mentorat.adapters.web.visits import WebContext, open_visit
from mentorat.application.service import Mentorat

__all__ = ["STATIC", "WebPages", "template_environment"]

STATIC = Path(str(resources.files("mentorat.adapters.web") / "static"))
# Assets are named in pages with a digest of their content: a changed file is a new URL.
ASSET_MAX_AGE = 365 * 24 * 3600


def template_environment() -> Environment:
    return Environment(
        loader=PackageLoader("mentorat.adapters.web", "templates"),
        # Every value is escaped: a message holding "<script>" is shown as text.
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )


def _assets() -> dict[str, str]:
    urls = {}
    for path in sorted(STATIC.iterdir()):
        if path.suffix in (".js", ".css"):
            digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
            urls[path.name] = f"/static/{path.name}?v={digest}"
    return urls


class WebPages(InitPluginProtocol):
    def __init__(self, mentorat: Mentorat) -> None:
        self._mentorat = mentorat

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        pages = Router(
            path="/",
            route_handlers=[
                *accounts.PAGES,
                *finding.PAGES,
                *requests.PAGES,
                *mentorings.PAGES,
                *admin.PAGES,
                *live.PAGES,
            ],
            before_request=open_visit,
            exception_handlers=EXCEPTION_HANDLERS,
            include_in_schema=False,
            dto=None,
            return_dto=None,
        )
        static = create_static_files_router(
            path="/static",
            directories=[STATIC],
            cache_control=CacheControlHeader(max_age=ASSET_MAX_AGE, public=True),
            include_in_schema=False,
        )
        app_config.route_handlers = [*app_config.route_handlers, pages, static]
        app_config.template_config = TemplateConfig(
            instance=JinjaTemplateEngine.from_environment(template_environment())
        )
        app_config.state["web"] = WebContext(self._mentorat, _assets())
        return app_config
