from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuotasConfig(AppConfig):
    name = "quotas"
    verbose_name = _("Đơn vị và chỉ tiêu")

    def ready(self):
        from quotas import signals  # noqa: F401 - connects the receivers
