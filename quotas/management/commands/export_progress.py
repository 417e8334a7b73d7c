"""Export a unit's allocation and progress (or the allocation table alone) to .xlsx."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from quotas.excel import write_allocation_workbook, write_progress_workbook
from quotas.models import Campaign, Unit
from quotas.selectors import current_campaign


class Command(BaseCommand):
    help = (
        "Xuất bảng phân bổ và tiến độ của một đơn vị ra tệp .xlsx "
        "(--allocations: chỉ bảng phân bổ chỉ tiêu, để sửa và nhập lại bằng import_allocations)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="mã chương trình (slug); mặc định: chương trình hiện hành")
        parser.add_argument("--unit", help="mã đơn vị; mặc định: HOME_UNIT_CODE, nếu không có thì đơn vị gốc")
        parser.add_argument("-o", "--output", required=True, help="tệp .xlsx cần ghi")
        parser.add_argument("--allocations", action="store_true", help="chỉ xuất bảng phân bổ chỉ tiêu")

    def handle(self, *args, campaign=None, unit=None, output, allocations=False, **options):
        found = (
            Campaign.objects.select_related("root").filter(slug=campaign).first() if campaign else current_campaign()
        )
        if found is None:
            raise CommandError(_("Không có chương trình “%(slug)s”.") % {"slug": campaign or ""})
        in_campaign = Unit.objects.filter(path__startswith=found.root.path)
        if unit:
            scope = in_campaign.filter(code=unit).first()
            if scope is None:
                raise CommandError(_("Không có đơn vị “%(code)s” trong chương trình này.") % {"code": unit})
        else:
            scope = in_campaign.filter(code=settings.HOME_UNIT_CODE).first() or found.root
        if allocations:
            write_allocation_workbook(campaign=found, unit=scope, out=output)
            what = _("bảng phân bổ chỉ tiêu")
        else:
            write_progress_workbook(unit=scope, campaign=found, out=output)
            what = _("bảng phân bổ và tiến độ")
        self.stdout.write(self.style.SUCCESS(
            _("Đã xuất %(what)s của %(unit)s (%(campaign)s) ra %(file)s.")
            % {"what": what, "unit": scope.name, "campaign": found.name, "file": output}
        ))
