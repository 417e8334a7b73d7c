"""`manage.py restore ARCHIVE [--yes]`: the database and the evidence files back from a backup."""

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = (
        "Khôi phục một bản sao lưu của `manage.py backup` vào CSDL mà cấu hình đang trỏ tới "
        "(DATABASE_URL) và vào MEDIA_ROOT, sau khi đã kiểm tra sha256 của mọi tệp theo manifest. "
        "Từ chối nếu đích đã có dữ liệu, trừ khi có --yes. Dừng các máy chủ ứng dụng trước khi khôi phục."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="tệp congsangkien-….tar.gz")
        parser.add_argument("--yes", action="store_true", help="ghi đè CSDL và tệp đang có")
        parser.add_argument("--database", default="default", help="bí danh CSDL trong DATABASES (mặc định: default)")
        parser.add_argument("--skip-media", action="store_true", help="chỉ khôi phục CSDL, không chép tệp")

    def handle(self, *args, archive, yes, database, skip_media, **options):
        log = self.stdout.write if options["verbosity"] >= 1 else (lambda _m: None)
        try:
            result = restore_backup(archive, using=database, force=yes, include_media=not skip_media, log=log)
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã khôi phục bản sao lưu lúc {manifest['created_at']} ({manifest['database']['vendor']}): "
                f"CSDL và {result.files} tệp, sha256 khớp manifest."
            )
        )
        if result.left_in_place:
            self.stdout.write(
                self.style.WARNING(f"{result.left_in_place} tệp trong MEDIA_ROOT không có trong bản sao lưu, được giữ nguyên.")
            )
        for note in result.migration_notes:
            self.stdout.write(self.style.WARNING(note))
