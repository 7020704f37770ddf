"""The API's routes, walked from the URL resolver, and a request path for each."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

from lims.api import problems


def _walk(patterns, prefix=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern.callback


def concrete(route: str) -> str:
    """A request path for a route pattern, without its optional trailing slash, with a sample
    value for each parameter."""
    path = route.lstrip("^").rstrip("$").replace("/?", "").replace("\\.", ".")
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", "SAMPLE-1", path)
    path = re.sub(r"<(?:\w+:)?(\w+)>", "SAMPLE-1", path)
    return "/" + path.replace("^", "").replace("$", "")


def api_routes(prefix="api/v1/"):
    routes = [
        (route, view)
        for route, view in _walk(get_resolver().url_patterns)
        if route.startswith(prefix) and view is not problems.handler404
    ]
    assert routes, "the API has no routes"
    return routes
