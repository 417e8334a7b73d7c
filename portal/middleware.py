class VietnameseFirstMiddleware:
    """Pages are Vietnamese unless the user picks English in the footer.

    Many Vietnamese phones run in English, so the browser's Accept-Language says little about
    what the reader wants here; only the language cookie (set by the footer's switch) counts.
    Runs before LocaleMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)
