"""`manage.py backup --output DIR`: one timestamped archive of the database and the evidence files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from portal.backup import BackupError, create_backup


class Command(BaseCommand):
    help = (
        "Sao lưu cơ sở dữ liệu (PostgreSQL: pg_dump --format=custom; SQLite: online backup API) "
        "và toàn bộ tệp trong MEDIA_ROOT vào một tệp congsangkien-<thời điểm UTC>.tar.gz, "
        "kèm manifest.json (thời điểm, loại CSDL, migration đã áp dụng, sha256 từng tệp)."
    )

    def add_arguments(self, parser):
        parser.add_argument("-o", "--output", required=True, help="thư mục chứa bản sao lưu")
        parser.add_argument("--database", default="default", help="bí danh CSDL trong DATABASES (mặc định: default)")
        parser.add_argument(
            "--keep", type=int, default=None, metavar="N",
            help="sau khi sao lưu xong, chỉ giữ N bản mới nhất trong thư mục (mặc định: giữ tất cả)",
        )
        parser.add_argument(
            "--skip-media", action="store_true",
            help="không sao lưu tệp (khi tệp nằm trên S3 và được sao lưu bằng versioning của bucket)",
        )

    def handle(self, *args, output, database, keep, skip_media, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep phải từ 1 trở lên.")
        log = self.stdout.write if options["verbosity"] >= 1 else (lambda _m: None)
        try:
            result = create_backup(
                Path(output), using=database, include_media=not skip_media, keep=keep, log=log
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        manifest = result.manifest
        size = result.path.stat().st_size
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã sao lưu: {result.path} ({size:,} byte; CSDL {manifest['database']['vendor']}, "
                f"{manifest['file_count']} tệp)"
            )
        )
        for path in result.pruned:
            self.stdout.write(f"Đã xoá bản cũ: {path.name}")
