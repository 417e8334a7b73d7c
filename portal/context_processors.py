from functools import partial


def navigation(request):
    """Which private sections the header links to. Lazy: a page that shows no header (the
    poster download) runs no query for it."""
    user = getattr(request, "user", None)  # none on a request refused before the auth middleware
    if user is None or not user.is_authenticated:
        return {}
    from initiatives.selectors import has_review_access
    from quotas.models import Role
    from quotas.selectors import scope_paths

    def progress_access():
        paths = scope_paths(request.user, [Role.DISTRICT_STAFF])
        return paths is None or bool(paths)

    return {"nav_review": partial(has_review_access, request.user), "nav_progress": progress_access}
