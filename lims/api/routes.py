"""The router every app's API uses: each route answers with and without its trailing slash."""

from rest_framework.routers import SimpleRouter


def api_router() -> SimpleRouter:
    router = SimpleRouter()
    # The contract writes action paths without the slash and clients often add one; a redirect
    # would drop a POST's body, so both forms resolve to the view (plain routes use "/?$" too).
    # SimpleRouter's constructor only takes a boolean, hence the attribute.
    router.trailing_slash = "/?"
    return router
