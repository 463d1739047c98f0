"""The HTTP process: the Flask app factory shared by the mini-app API, the EHR webhook and the
DingTalk HTTP callbacks. It lives beside the transports because it composes all of them."""

from web.app import create_app

__all__ = ["create_app"]
