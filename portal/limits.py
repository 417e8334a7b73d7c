"""Rate limits on forms anyone can send (django-ratelimit): the counts live in the shared cache,
so every worker process sees the same ones."""

from django_ratelimit.core import is_ratelimited
from django.utils.translation import gettext_lazy

TOO_MANY = gettext_lazy("Bạn đã gửi quá nhiều lần trong thời gian ngắn. Vui lòng đợi ít phút rồi thử lại; thông tin đã nhập vẫn được giữ.")


def too_many(request, limits) -> bool:
    """Count this attempt against every (group, key, rate) limit; true if any is exceeded."""
    limited = False
    for group, key, rate in limits:
        limited |= is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)
    return limited
