import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from quotas.services import seed_load

SEED_FILE = Path(settings.BASE_DIR) / "fixtures" / "seed.json"


class Command(BaseCommand):
    help = "Nạp dữ liệu gốc: cây đơn vị, chương trình và bảng phân bổ chỉ tiêu của văn bản gốc."

    def handle(self, *args, **options):
        campaign = seed_load(json.loads(SEED_FILE.read_text(encoding="utf-8")))
        self.stdout.write(f"Đã nạp dữ liệu gốc: {campaign.name}")
