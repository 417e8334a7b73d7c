from django.contrib.auth.models import AbstractUser
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The portal's user. Thin on purpose: roles and units live in `quotas.Membership`."""

    class Meta:
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")
