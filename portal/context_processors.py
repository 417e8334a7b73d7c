from functools import partial


def navigation(request):
    """Which private sections the header links to. Lazy: a page that shows no header (the
    poster download) runs no query for it."""
    if not request.user.is_authenticated:
        return {}
    from initiatives.selectors import has_review_access

    return {"nav_review": partial(has_review_access, request.user)}
