from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from portal.models import User

admin.site.register(User, UserAdmin)
admin.site.site_header = _("Cổng Sáng kiến — Quản trị")
admin.site.site_title = _("Cổng Sáng kiến")
admin.site.index_title = _("Quản trị hệ thống")
