"""The HTTP service (评估服务): FastAPI on uvicorn, with the reference intake page.

Needs the ``service`` extra. ``create_app()`` builds the application; ``riskrules serve`` runs
it. See :mod:`riskrules.service.app` for the routes and docs/service.md for deployment.
"""

from .app import Settings, create_app, openapi_document

__all__ = ["Settings", "create_app", "openapi_document"]
