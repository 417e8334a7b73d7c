from django.conf import settings
from django.core.management.base import BaseCommand

from initiatives.privacy import expired, initiative_anonymise


class Command(BaseCommand):
    help = "Ẩn danh hồ sơ của các chương trình đã kết thúc quá thời hạn lưu (RETENTION_YEARS)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true")

    def handle(self, *args, dry_run=False, **options):
        queryset = expired()
        count = queryset.count()
        if not dry_run:
            for initiative in queryset.iterator(chunk_size=500):
                initiative_anonymise(initiative=initiative)
        verb = "Sẽ ẩn danh" if dry_run else "Đã ẩn danh"
        self.stdout.write(f"{verb} {count} hồ sơ (thời hạn lưu {settings.RETENTION_YEARS} năm).")
