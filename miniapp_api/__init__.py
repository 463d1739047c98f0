"""The "My Interviews" mini-app API under /api/v1: login, candidate and HR views, OpenAPI."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, g, jsonify, request

from miniapp_api import (
    context,
    routes_auth,
    routes_bgcheck,
    routes_candidate,
    routes_digests,
    routes_hr,
    routes_imports,
    routes_insight,
    routes_interviewer,
    routes_offers,
    routes_onboarding,
    routes_ops,
    routes_policies,
    routes_round_response,
    routes_rounds,
)
from miniapp_api.ratelimit import LoginRateLimited
from miniapp_api.spec import API_PREFIX, openapi_document
from services.ops import metrics
from web_context import attach, get_runtime

CORS_HEADERS = "Authorization, Content-Type, Accept-Language"
CORS_METHODS = "GET, POST, PUT, OPTIONS"


def _blueprint() -> Blueprint:
    api = Blueprint("miniapp_api", __name__, url_prefix=API_PREFIX)
    children = (routes_auth.bp, routes_candidate.bp, routes_hr.bp, routes_policies.bp)
    features = (
        routes_rounds.bp,
        routes_round_response.bp,
        routes_interviewer.bp,
        routes_ops.bp,
        routes_imports.bp,
        routes_digests.bp,
        routes_offers.bp,
        routes_insight.bp,
        routes_bgcheck.bp,
        routes_onboarding.bp,
    )
    for child in (*children, *features):
        api.register_blueprint(child)

    @api.get("/openapi.json")
    def openapi() -> Response:
        return jsonify(openapi_document())

    return api


def _cors(response: Response) -> Response:
    if not request.path.startswith(API_PREFIX):
        return response
    origin = request.headers.get("Origin")
    allowed = get_runtime().settings.MINIAPP_ORIGIN
    if origin and allowed and origin == allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
        response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
        response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Access-Control-Expose-Headers"] = "Retry-After"
    # Set directly when absent (the usual case): parsing the header set costs every request.
    if "Vary" in response.headers:
        response.vary.add("Origin")
    else:
        response.headers["Vary"] = "Origin"
    return response


def _start_timer() -> None:
    g.miniapp_started = metrics.clock()


def _timed(response: Response) -> Response:
    # Only the mini-app API's requests: the H5 page, webhooks and /metrics are not timed here.
    if request.path.startswith(API_PREFIX) and "miniapp_started" in g:
        metrics.miniapp_request_since(request.endpoint, response.status_code, g.miniapp_started)
    return response


def init_app(app: Flask) -> None:
    """Register the mini-app API, its CORS handling and its per-request reader cleanup."""
    attach(app, context.make_context(get_runtime(app)))
    app.register_blueprint(_blueprint())
    app.after_request(_cors)
    app.before_request(_start_timer)
    app.after_request(_timed)
    app.teardown_appcontext(context.close_reader)

    @app.errorhandler(LoginRateLimited)
    def _rate_limited(exc: LoginRateLimited) -> Response:
        response = jsonify({"error": {"code": exc.code, "message": exc.message}})
        response.status_code = exc.http_status
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
