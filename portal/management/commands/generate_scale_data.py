"""National-scale data for the performance benchmark (bench/run.py, docs/PERFORMANCE.md).

    python manage.py generate_scale_data --units 135000 --initiatives 1000000 --seed 1

What it builds, on the database DATABASE_URL points to (SQLite only up to 5,000 units):

- the seed (`load_seed`) if its campaign is missing;
- under the seed's 63 provinces, about 700 superior (district) unions coded `S{province}-{n:03d}`
  ("ST01-001"), and `--units` grassroots unions coded `{district}-{block letter}{n:04d}`
  ("ST01-001-D0042": X commune, H public service, T school, D enterprise), in realistic
  proportions (8 % communes, 24 % public service, 30 % schools, 38 % enterprises, varying by
  district), with member counts drawn per block (schools 20–120, the others lognormal). The tree
  paths are computed here (a child's path is its parent's path plus a 4-character base-36 step;
  `numchild` set) and the rows written with PostgreSQL COPY;
- `--initiatives` initiatives with their status history, on the generated grassroots unions
  (weighted by their size; about one union in eight submits nothing), over both phases of the
  TARGET CAMPAIGN, in every status (about 12 % submitted, 5 % returned, 4 % resubmitted, 65 %
  approved, 11 % rejected, 3 % withdrawn). Submission times lie inside the phase dates, more of
  them towards each deadline; ids follow submission time, as they would in production;
- the maintained progress rows (ProgressCount, ProgressWeek) of EVERY campaign, recomputed with
  set-based SQL on PostgreSQL (the same definition as `quotas.progress.rebuild`, which is used
  as is on other databases), then checked on a sample of units against direct counts and the
  allocation engine; then VACUUM ANALYZE (ANALYZE inside a transaction).

TARGET CAMPAIGN. The demo's open campaign (`load_demo`: the programme year containing today) is
used only if all of its phases have started. Otherwise — the usual case: its phase 2 is in the
future — the initiatives go to the seed's campaign "01-trieu-sang-kien-2022", whose two phases
are both in the past, and that campaign is what the benchmark reads. `--campaign SLUG` chooses.
`load_demo` is not required (run it first for the demo accounts and the open campaign that the
benchmark's submission POST needs).

Everything generated is marked `is_sample=True` and is recognised by its unit codes, so the
demo's own sample rows are never touched. Same `--seed`, same data: the tracking codes are a
keyed bijection of the row number (Crockford base 32, XXXX-XXXX-XXXX), phones and ID numbers are
synthetic and drawn from seeded generators. If scale data already exists the command refuses,
unless `--keep` (leave it, do nothing) or `--reset` (delete the generated rows and generate again;
`--reset --units 0 --initiatives 0` only deletes).
"""

import datetime as dt
import math
import random
import time
import zoneinfo
from bisect import bisect_right
from collections import Counter
from functools import lru_cache
from itertools import accumulate

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Count, Q
from django.utils import timezone

from initiatives.models import Initiative, Status, StatusChange
from initiatives.tracking import ALPHABET as CODE_ALPHABET
from initiatives.tracking import format_code
from quotas.allocation import subtree_targets
from quotas.models import Block, Campaign, Level, ProgressCount, ProgressWeek, Unit
from quotas.text import fold

SEED_CAMPAIGN = "01-trieu-sang-kien-2022"
SQLITE_MAX_UNITS = 5000
FULL_UNITS, FULL_DISTRICTS = 135_000, 700
GENERATED_CODE = r"^ST[0-9]{2}-[0-9]{3}"  # S + province code + district number
CHUNK = 50_000  # initiatives written per COPY

BLOCK_SHARES = {Block.COMMUNE: 0.08, Block.PUBLIC_SERVICE: 0.24, Block.SCHOOL: 0.30, Block.ENTERPRISE: 0.38}
BLOCK_LETTER = {Block.COMMUNE: "X", Block.PUBLIC_SERVICE: "H", Block.SCHOOL: "T", Block.ENTERPRISE: "D"}
BIG_PROVINCES = {"T01": 5.0, "T79": 6.0, "T74": 2.5, "T75": 2.5, "T31": 2.0, "T48": 1.8, "T92": 1.5}

STATUS_SHARES = [
    (Status.SUBMITTED, 0.12), (Status.RETURNED, 0.05), (Status.RESUBMITTED, 0.04),
    (Status.APPROVED, 0.65), (Status.REJECTED, 0.11), (Status.WITHDRAWN, 0.03),
]
REJECTION_SHARES = [
    ("not_recognised", 40), ("outside_window", 20), ("duplicate", 15), ("other", 18),
    ("ip_protected", 5), ("public_order", 2),
]
NOTES = {
    Status.APPROVED: "Sáng kiến đủ điều kiện, được công nhận.",
    Status.REJECTED: "Không đủ điều kiện tham gia Chương trình.",
    Status.RETURNED: "Đề nghị bổ sung bản chụp quyết định công nhận.",
    Status.RESUBMITTED: "",
    Status.WITHDRAWN: "Đoàn viên đề nghị rút để hoàn thiện thêm.",
}
OTHER_NOTE = "Nội dung là sáng kiến của đơn vị khác, đã được khen thưởng năm trước."

# ---------------------------------------------------------------- names (synthetic)

PLACE = (
    "An Bình Phú Tân Hòa Long Thạnh Đông Tây Nam Bắc Trung Phước Thuận Minh Quang Hưng Thịnh Vĩnh "
    "Xuân Yên Đức Hải Sơn Lâm Cát Kim Ngọc Hồng Hương Lạc Thành Lộc Mỹ Nghĩa Quý Thái Hiệp Khánh "
    "Định Gia Hà Lợi Phong Thủy Tiến Trường Văn Việt Đồng Cẩm Diên Hậu Kiến Lương Mai Ninh Quế Tam Thượng"
).split()
FAMILY = [("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Hoàng", 5), ("Huỳnh", 4), ("Phan", 4.5),
          ("Vũ", 3.9), ("Võ", 3.9), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4), ("Hồ", 1.3), ("Ngô", 1.3),
          ("Dương", 1), ("Lý", 0.5)]
MIDDLE_M = "Văn Hữu Đức Minh Quang Công Thành Ngọc Xuân Anh Đình Trọng".split()
MIDDLE_F = "Thị Ngọc Thu Thanh Kim Minh Bích Hồng Phương Thị Thị Thùy".split()
GIVEN_M = ("An Bình Cường Dũng Duy Đạt Hải Hiếu Hoàng Hùng Huy Khánh Khoa Kiên Long Lâm Minh Nam Nghĩa Phong "
           "Phúc Quân Quang Sơn Tài Thắng Thành Toàn Trung Tuấn Tùng Việt Vinh Vũ").split()
GIVEN_F = ("Anh Chi Dung Giang Hà Hạnh Hằng Hiền Hoa Hồng Hương Huyền Lan Liên Linh Loan Mai My Nga Ngân Ngọc "
           "Nhung Oanh Phương Quyên Quỳnh Tâm Thảo Thu Thủy Trang Trinh Tuyết Vân Yến").split()
AGENCIES = [
    "Cơ quan UBND", "Cơ quan Huyện ủy", "Phòng Giáo dục và Đào tạo", "Trung tâm Y tế", "Bệnh viện Đa khoa",
    "Chi cục Thuế", "Kho bạc Nhà nước", "Phòng Tài chính – Kế hoạch", "Ban Quản lý dự án đầu tư xây dựng",
    "Trung tâm Văn hóa – Thể thao", "Bảo hiểm xã hội", "Viện Kiểm sát nhân dân", "Tòa án nhân dân",
    "Chi cục Thống kê", "Phòng Nội vụ", "Phòng Tài nguyên và Môi trường", "Phòng Lao động – Thương binh và Xã hội",
    "Trung tâm Chính trị", "Hạt Kiểm lâm", "Trung tâm Dịch vụ nông nghiệp", "Ban Quản lý chợ", "Đài Truyền thanh",
]
SCHOOL_KINDS = [("Mầm non", 35), ("Tiểu học", 30), ("THCS", 22), ("THPT", 8), ("Tiểu học và THCS", 5)]
COMPANY_FORMS = [("Công ty TNHH", 45), ("Công ty Cổ phần", 30), ("Công ty TNHH MTV", 15), ("Chi nhánh Công ty", 10)]
INDUSTRIES = [
    "May mặc", "Điện tử", "Xây dựng", "Thực phẩm", "Cơ khí", "Vận tải", "Thương mại và Dịch vụ", "Dệt may",
    "Chế biến gỗ", "Giày da", "Nhựa", "Bao bì", "Logistics", "Dược phẩm", "Vật liệu xây dựng", "Thủy sản",
    "Điện lực", "Cấp thoát nước", "Môi trường đô thị", "Cao su",
]

VERBS = ["Cải tiến", "Ứng dụng", "Đề xuất", "Giải pháp", "Hợp lý hóa", "Số hóa", "Tối ưu hóa", "Xây dựng",
         "Thiết kế", "Chế tạo", "Đổi mới", "Nâng cao hiệu quả", "Tự động hóa", "Áp dụng", "Chuẩn hóa"]
OBJECTS = [
    "quy trình kiểm tra chất lượng sản phẩm", "hệ thống quản lý hồ sơ", "đồ gá lắp ráp", "dây chuyền đóng gói",
    "phần mềm quản lý học sinh", "sổ theo dõi sức khỏe", "máy nén khí", "hệ thống chiếu sáng", "bài giảng điện tử",
    "quy trình tiếp nhận hồ sơ một cửa", "thiết bị cảnh báo an toàn", "phương pháp dạy học tích cực",
    "hệ thống xử lý nước thải", "công cụ tháo lắp khuôn", "băng tải vận chuyển", "kế hoạch bảo dưỡng thiết bị",
    "quy trình vệ sinh công nghiệp", "mô hình trường học an toàn", "hệ thống phòng cháy chữa cháy",
    "kho lưu trữ tài liệu", "bảng điều khiển máy ép", "lò hơi", "máy may công nghiệp", "trò chơi vận động cho trẻ",
    "quy trình khám sàng lọc", "cách bố trí mặt bằng sản xuất", "quy trình quyết toán ngân sách",
]
CONTEXTS = [
    "tại phân xưởng sản xuất", "nhằm tiết kiệm điện năng", "giảm 20% thời gian thao tác", "tại bộ phận một cửa",
    "cho học sinh tiểu học", "trong công tác chăm sóc trẻ", "nhằm giảm chi phí vận hành",
    "góp phần bảo vệ môi trường", "tại đơn vị", "trong bối cảnh dịch Covid-19", "nâng cao năng suất lao động",
    "đảm bảo an toàn lao động", "tiết kiệm nguyên vật liệu", "rút ngắn thời gian giải quyết thủ tục",
    "phục vụ người dân", "trong ca đêm", "giảm tỷ lệ sản phẩm lỗi",
]
SITUATIONS = [
    "Hiện trạng: công việc được làm thủ công, mất nhiều thời gian, dễ sai sót và phụ thuộc vào kinh nghiệm của từng người.",
    "Trước khi áp dụng, đơn vị thường xuyên phải làm thêm giờ để kịp tiến độ, chi phí điện và vật tư tăng cao qua từng quý.",
    "Qua khảo sát thực tế tại đơn vị, tác giả nhận thấy quy trình cũ có nhiều bước trùng lặp, hồ sơ giấy khó tra cứu.",
    "Trong giai đoạn dịch bệnh, nhân lực thiếu hụt, yêu cầu giảm tiếp xúc trực tiếp nhưng vẫn phải bảo đảm chất lượng công việc.",
    "Thiết bị đã sử dụng lâu năm, hay hỏng vặt, thời gian dừng máy trung bình hơn 10 giờ mỗi tháng.",
]
SOLUTIONS = [
    "Giải pháp: thiết kế lại các bước thực hiện, lập bảng kiểm và phân công rõ trách nhiệm, kết hợp phần mềm miễn phí để theo dõi.",
    "Tác giả đã chế tạo bổ sung cơ cấu định vị bằng vật liệu sẵn có, lắp đặt thử nghiệm trong hai tuần rồi nhân rộng cho toàn bộ tổ.",
    "Nội dung chính là số hóa toàn bộ biểu mẫu, gắn mã QR cho từng hồ sơ và hướng dẫn người lao động cách tra cứu trên điện thoại.",
    "Đơn vị tổ chức tập huấn ngắn, xây dựng video hướng dẫn và cử người kèm cặp trong tháng đầu áp dụng.",
    "Sử dụng cảm biến và bộ hẹn giờ giá rẻ để tự động bật, tắt thiết bị theo nhu cầu thực tế của từng ca làm việc.",
]
RESULTS = [
    "Kết quả: thời gian thực hiện giảm khoảng một phần ba, sai sót gần như không còn, người lao động đồng tình hưởng ứng.",
    "Sau sáu tháng áp dụng, đơn vị tiết kiệm được chi phí đáng kể, năng suất tăng, điều kiện làm việc được cải thiện.",
    "Giải pháp đã được hội đồng sáng kiến đánh giá cao, có thể nhân rộng cho các đơn vị có điều kiện tương tự.",
    "Hiệu quả được thể hiện qua số liệu theo dõi hằng tháng, được lãnh đạo đơn vị ghi nhận và khen thưởng.",
]
EXTRA = [
    "Chi phí đầu tư ban đầu thấp, chủ yếu tận dụng vật tư và nhân lực sẵn có của đơn vị.",
    "Giải pháp không làm thay đổi cơ cấu tổ chức, dễ triển khai và dễ bảo trì trong quá trình sử dụng.",
    "Tác giả cam kết sáng kiến là kết quả lao động của tập thể tổ, không sao chép từ đơn vị khác.",
]
WORKPLACES = {
    Block.ENTERPRISE: ["Phân xưởng 1", "Phân xưởng 2", "Phòng Kỹ thuật", "Tổ sản xuất số 3", "Phòng Hành chính – Nhân sự", "Kho vận"],
    Block.SCHOOL: ["Tổ chuyên môn Toán", "Tổ Ngữ văn", "Tổ Mầm", "Tổ Văn phòng", "Tổ Khoa học tự nhiên"],
    Block.PUBLIC_SERVICE: ["Phòng Hành chính", "Bộ phận một cửa", "Khoa Khám bệnh", "Phòng Kế toán", "Đội Kiểm tra"],
    Block.COMMUNE: ["Văn phòng UBND xã", "Bộ phận một cửa", "Ban Văn hóa xã hội", "Địa chính – Xây dựng"],
}
TARGET_GROUPS = {
    Block.ENTERPRISE: [("worker", 75), ("union_officer", 15), ("agriculture", 5), ("public_employee", 5)],
    Block.SCHOOL: [("public_employee", 85), ("union_officer", 15)],
    Block.PUBLIC_SERVICE: [("civil_servant", 50), ("public_employee", 40), ("union_officer", 10)],
    Block.COMMUNE: [("civil_servant", 60), ("agriculture", 25), ("union_officer", 15)],
}
SOLUTION_TYPES = [("technical", 40), ("management", 30), ("operational", 15), ("tech_application", 15)]
PHONE_PREFIXES = ["090", "091", "093", "094", "096", "097", "098", "032", "033", "034", "035", "036", "037",
                  "038", "039", "070", "076", "077", "078", "079", "081", "082", "083", "084", "085", "086",
                  "088", "089", "056", "058", "059"]
DECISION_SUFFIXES = ["QĐ-HĐSK", "QĐ-CT", "QĐ-UBND", "QĐ-GĐ", "QĐ-SK", "QĐ-HT"]
DRIVE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _cum(pairs):
    values, weights = zip(*pairs)
    return list(values), list(accumulate(weights))


def _pick(rng, values, cum):
    return values[bisect_right(cum, rng.random() * cum[-1])]


@lru_cache(maxsize=None)
def _fold(text: str) -> str:
    return fold(text)


def apportion(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """`total` split in proportion to `weights` (largest remainders), each part ≥ `minimum`
    when there is enough to go round."""
    n = len(weights)
    if n == 0:
        return []
    floor_each = minimum if total >= minimum * n else 0
    rest = total - floor_each * n
    s = sum(weights) or 1.0
    raw = [rest * w / s for w in weights]
    parts = [int(x) for x in raw]
    order = sorted(range(n), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [p + floor_each for p in parts]


class CodeMaker:
    """Tracking codes as a keyed bijection of the row number on 60 bits: unique by
    construction, deterministic for a seed, random-looking. Shown as XXXX-XXXX-XXXX."""

    MASK = (1 << 60) - 1

    def __init__(self, seed: int):
        rng = random.Random(f"tracking-codes-{seed}")
        self.k0 = rng.getrandbits(60)
        self.k1 = rng.getrandbits(60) | 1
        self.k2 = rng.getrandbits(60) | 1

    def __call__(self, i: int) -> str:
        m = self.MASK
        x = (i + self.k0) & m
        x ^= x >> 29
        x = (x * self.k1) & m
        x ^= x >> 32
        x = (x * self.k2) & m
        x ^= x >> 29
        raw = "".join(CODE_ALPHABET[(x >> (55 - 5 * k)) & 31] for k in range(12))
        return format_code(raw)


class Writer:
    """Rows into one table: COPY on PostgreSQL, batched INSERTs elsewhere. `columns` are
    attnames; any other column of the model gets its default (or its database default)."""

    def __init__(self, model, columns: list[str]):
        self.table = model._meta.db_table
        fields = {f.attname: f for f in model._meta.concrete_fields}
        missing = [c for c in columns if c not in fields]
        if missing:
            raise CommandError(f"{self.table}: no column {missing}")
        self.columns = list(columns)
        self.extra = []
        for attname, f in fields.items():
            if attname in columns:
                continue
            if f.has_default():
                self.columns.append(attname)
                self.extra.append(f.get_default())
            elif getattr(f, "has_db_default", lambda: False)():
                continue
            elif f.null:
                self.columns.append(attname)
                self.extra.append(None)
            else:
                raise CommandError(f"{self.table}.{attname} has no default; teach generate_scale_data about it")
        self.extra = tuple(self.extra)
        self.fields = [fields[c] for c in self.columns]
        self.postgres = connection.vendor == "postgresql"

    def write(self, rows) -> int:
        n = 0
        quoted = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        with connection.cursor() as cursor:
            if self.postgres:
                with cursor.cursor.copy(f"COPY {connection.ops.quote_name(self.table)} ({quoted}) FROM STDIN") as copy:
                    extra = self.extra
                    for row in rows:
                        copy.write_row(row + extra)
                        n += 1
                return n
            sql = f"INSERT INTO {connection.ops.quote_name(self.table)} ({quoted}) VALUES ({', '.join(['%s'] * len(self.fields))})"
            batch = []
            for row in rows:
                batch.append([f.get_db_prep_save(v, connection) for f, v in zip(self.fields, row + self.extra)])
                n += 1
                if len(batch) >= 1000:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
        return n


def generated_units():
    return Unit.objects.filter(is_sample=True, code__regex=GENERATED_CODE)


def generated_initiatives():
    return Initiative.objects.filter(is_sample=True, unit__in=generated_units())


def _sql(queryset) -> tuple[str, tuple]:
    return queryset.query.sql_with_params()


class Command(BaseCommand):
    help = "Sinh dữ liệu quy mô toàn quốc (đơn vị, sáng kiến, lịch sử, tiến độ) để đo hiệu năng."

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=FULL_UNITS, help="grassroots unions to generate")
        parser.add_argument("--initiatives", type=int, default=1_000_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--districts", type=int, default=None,
                            help="superior unions to generate (default: 700 at 135,000 units, in proportion below)")
        parser.add_argument("--campaign", default="", help="campaign slug for the initiatives (default: see the module doc)")
        parser.add_argument("--reset", action="store_true", help="delete previously generated rows first")
        parser.add_argument("--keep", action="store_true", help="if scale data exists, keep it and do nothing")
        parser.add_argument("--no-vacuum", action="store_true", help="ANALYZE only, no VACUUM")

    # ------------------------------------------------------------ driver

    def handle(self, *args, **opts):
        self.verbosity = opts["verbosity"]
        units, initiatives, seed = opts["units"], opts["initiatives"], opts["seed"]
        if units < 0 or initiatives < 0:
            raise CommandError("--units and --initiatives must be ≥ 0")
        if initiatives and not units:
            raise CommandError("initiatives need grassroots units (--units > 0)")
        vendor = connection.vendor
        if vendor == "sqlite" and units > SQLITE_MAX_UNITS:
            raise CommandError(f"SQLite: at most {SQLITE_MAX_UNITS} units; point DATABASE_URL at PostgreSQL")
        if vendor not in ("postgresql", "sqlite"):
            self.stderr.write(f"warning: untested database {vendor}; using batched INSERTs")
        self.postgres = vendor == "postgresql"
        self.timings = []
        started = time.perf_counter()

        if not Campaign.objects.filter(slug=SEED_CAMPAIGN).exists():
            with self._stage("load_seed (seed campaign missing)"):
                call_command("load_seed", stdout=self.stdout if self.verbosity > 1 else open("/dev/null", "w"))

        existing = generated_units().exists()
        if existing and opts["keep"] and not opts["reset"]:
            self.stdout.write("Scale data already present (--keep): nothing to do.")
            self._summary()
            return
        if existing and not opts["reset"]:
            raise CommandError("Scale data already exists: use --reset to regenerate it, or --keep to leave it.")

        campaign = self._target_campaign(opts["campaign"])
        self.stdout.write(
            f"Database: {vendor} {connection.settings_dict.get('NAME')}; seed {seed}; "
            f"{units:,} grassroots units, {initiatives:,} initiatives on “{campaign.slug}”."
        )
        with transaction.atomic():
            if self.postgres:
                with connection.cursor() as c:
                    c.execute("SET LOCAL work_mem = '256MB'")
                    c.execute("SET LOCAL maintenance_work_mem = '512MB'")
                    for model in (Unit, Initiative, StatusChange):
                        c.execute(f"LOCK TABLE {model._meta.db_table} IN SHARE ROW EXCLUSIVE MODE")
            if existing:
                with self._stage("reset: delete generated rows"):
                    self._delete_generated()
            grassroots = []
            if units:
                with self._stage("units"):
                    grassroots = self._units(units, opts["districts"], seed)
            if initiatives:
                with self._stage("initiatives + history"):
                    self._initiatives(initiatives, grassroots, campaign, seed)
            with self._stage("sequences"):
                with connection.cursor() as c:
                    for sql in connection.ops.sequence_reset_sql(no_style(), [Unit, Initiative, StatusChange]):
                        c.execute(sql)
            if self.postgres:
                with self._stage("ANALYZE (fresh rows, before the progress SQL)"):
                    with connection.cursor() as c:
                        for model in (Unit, Initiative):
                            c.execute(f"ANALYZE {model._meta.db_table}")
            with self._stage("progress counts (all campaigns)"):
                for c in Campaign.objects.select_related("root"):
                    self._rebuild_progress(c)
            commit = self._stage("commit (deferred foreign-key checks)")
            commit.__enter__()
        commit.__exit__(None, None, None)
        with self._stage("verify sample against direct counts"):
            self._verify(campaign, seed)
        with self._stage("VACUUM ANALYZE" if self.postgres and not opts["no_vacuum"] and not connection.in_atomic_block else "ANALYZE"):
            self._analyze(vacuum=not opts["no_vacuum"])
        total = time.perf_counter() - started
        self._summary()
        self.stdout.write(f"Total: {total:.1f} s")

    class _Stage:
        def __init__(self, command, name):
            self.command, self.name = command, name

        def __enter__(self):
            self.t = time.perf_counter()
            return self

        def __exit__(self, *exc):
            elapsed = time.perf_counter() - self.t
            self.command.timings.append((self.name, elapsed))
            if exc[0] is None:
                self.command.stdout.write(f"  {self.name:<42} {elapsed:8.1f} s")
            return False

    def _stage(self, name):
        return self._Stage(self, name)

    def _summary(self):
        rows = {
            "units (grassroots, generated)": generated_units().filter(level=Level.GRASSROOTS).count(),
            "units (superior, generated)": generated_units().filter(level=Level.SUPERIOR).count(),
            "units (all)": Unit.objects.count(),
            "initiatives (all)": Initiative.objects.count(),
            "status changes (all)": StatusChange.objects.count(),
            "progress counts": ProgressCount.objects.count(),
            "progress weeks": ProgressWeek.objects.count(),
        }
        for name, n in rows.items():
            self.stdout.write(f"  {name:<32} {n:>12,}")

    # ------------------------------------------------------------ campaign

    def _target_campaign(self, slug: str) -> Campaign:
        if slug:
            campaign = Campaign.objects.filter(slug=slug).first()
            if campaign is None:
                raise CommandError(f"no campaign {slug!r}")
            return campaign
        today = timezone.localdate()
        open_campaign = Campaign.objects.filter(is_open=True).order_by("-application_start", "-pk").first()
        if open_campaign is not None:
            phases = list(open_campaign.phases.all())
            if phases and all(p.starts_on <= today for p in phases):
                return open_campaign
            self.stdout.write(
                f"Open campaign “{open_campaign.slug}” has a phase not yet started: initiatives go to "
                f"the seed campaign “{SEED_CAMPAIGN}” (both phases in the past)."
            )
        return Campaign.objects.get(slug=SEED_CAMPAIGN)

    # ------------------------------------------------------------ reset

    def _delete_generated(self):
        units_sql, units_params = _sql(generated_units().values("pk"))
        foreign = Initiative.objects.filter(unit__in=generated_units(), is_sample=False)
        if foreign.exists():
            raise CommandError(
                f"{foreign.count()} non-sample initiatives sit on generated units; not deleting anything."
            )
        if Campaign.objects.filter(root__in=generated_units()).exists():
            raise CommandError("a campaign is rooted at a generated unit; not deleting anything.")
        ini_sql, ini_params = _sql(generated_initiatives().values("pk"))
        from initiatives.models import Attachment
        from quotas.models import AllocationOverride, Membership

        statements = [
            (StatusChange, "initiative_id", ini_sql, ini_params),
            (Attachment, "initiative_id", ini_sql, ini_params),
            (Initiative, "id", ini_sql, ini_params),
            (ProgressWeek, "unit_id", units_sql, units_params),
            (ProgressCount, "unit_id", units_sql, units_params),
            (AllocationOverride, "unit_id", units_sql, units_params),
            (Membership, "unit_id", units_sql, units_params),
        ]
        with connection.cursor() as c:
            for model, column, sub, params in statements:
                c.execute(f"DELETE FROM {model._meta.db_table} WHERE {column} IN ({sub})", params)
                if self.verbosity > 1:
                    self.stdout.write(f"    deleted {c.rowcount:,} from {model._meta.db_table}")
            # The units themselves: the query for them is rebuilt (a DELETE cannot read its own table in MySQL; fine here).
            ids = list(generated_units().values_list("pk", flat=True))
            for i in range(0, len(ids), 10_000):
                chunk = ids[i : i + 10_000]
                c.execute(f"DELETE FROM {Unit._meta.db_table} WHERE id IN ({', '.join(['%s'] * len(chunk))})", chunk)
        for parent in Unit.objects.filter(level__in=[Level.NATIONAL, Level.PROVINCE]):
            n = Unit.objects.filter(path__startswith=parent.path, depth=parent.depth + 1).count()
            if n != parent.numchild:
                Unit.objects.filter(pk=parent.pk).update(numchild=n)

    # ------------------------------------------------------------ units

    def _step(self, n: int) -> str:
        alphabet, steplen = Unit.alphabet, Unit.steplen
        base = len(alphabet)
        if n >= base**steplen:
            raise CommandError("too many children for one node")
        digits = []
        for _ in range(steplen):
            n, r = divmod(n, base)
            digits.append(alphabet[r])
        return "".join(reversed(digits))

    def _step_value(self, step: str) -> int:
        value = 0
        for ch in step:
            value = value * len(Unit.alphabet) + Unit.alphabet.index(ch)
        return value

    def _units(self, total_units: int, districts: int | None, seed: int) -> list[tuple]:
        """Returns the generated grassroots units as (id, block, member_count, weight)."""
        rng = random.Random(f"units-{seed}")
        provinces = list(Unit.objects.filter(level=Level.PROVINCE).order_by("path"))
        if not provinces:
            raise CommandError("no provinces: load the seed first")
        if districts is None:
            districts = round(total_units * FULL_DISTRICTS / FULL_UNITS)
            districts = max(min(len(provinces), total_units), districts)
        districts = max(1, districts)
        steplen = Unit.steplen

        # Where each province's new children start (after its existing ones).
        next_step = {}
        for p in provinces:
            last = (
                Unit.objects.filter(path__startswith=p.path, depth=p.depth + 1)
                .order_by("-path").values_list("path", flat=True).first()
            )
            next_step[p.pk] = self._step_value(last[-steplen:]) + 1 if last else 1

        p_weights = [BIG_PROVINCES.get(p.code, 1.0) * rng.lognormvariate(0, 0.45) for p in provinces]
        per_province = apportion(districts, p_weights, minimum=1)
        # District sizes: lognormal, larger in the big cities.
        district_specs = []  # (province, n, size weight, kind)
        for p, w, count in zip(provinces, p_weights, per_province):
            for n in range(1, count + 1):
                size = rng.lognormvariate(0, 0.6) * (1.6 if p.code in BIG_PROVINCES else 1.0)
                kind = rng.choices(["huyện", "quận", "thị xã", "thành phố", "kcn"],
                                   [50, 20 if p.code in BIG_PROVINCES else 4, 10, 8, 4])[0]
                if kind == "kcn":
                    size *= 1.8
                district_specs.append((p, n, size, kind))
        per_district = apportion(total_units, [d[2] for d in district_specs], minimum=1)

        with connection.cursor() as c:
            c.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Unit._meta.db_table}")
            next_id = c.fetchone()[0] + 1
        rows, grassroots, province_children = [], [], Counter()
        block_values = list(BLOCK_SHARES)
        for (p, n, _size, kind), count in zip(district_specs, per_district):
            place = f"{rng.choice(PLACE)} {rng.choice(PLACE)}"
            code = f"S{p.code}-{n:03d}"
            if kind == "kcn":
                name = f"Công đoàn các Khu công nghiệp {place}"
                mix = [0.0, 0.03, 0.0, 0.97]
            else:
                name = f"LĐLĐ {kind} {place}"
                urban = kind in ("quận", "thành phố")
                mix = [
                    BLOCK_SHARES[Block.COMMUNE] * (0.7 if urban else 1.2),
                    BLOCK_SHARES[Block.PUBLIC_SERVICE],
                    BLOCK_SHARES[Block.SCHOOL] * (0.9 if urban else 1.1),
                    BLOCK_SHARES[Block.ENTERPRISE] * (1.5 if urban else 0.75),
                ]
                mix = [m * rng.lognormvariate(0, 0.25) for m in mix]
            path = p.path + self._step(next_step[p.pk] + n - 1)
            district_id = next_id
            next_id += 1
            rows.append((district_id, path, p.depth + 1, count, code, name, _fold(name), Level.SUPERIOR, "", 0, True))
            province_children[p.pk] += 1
            blocks = rng.choices(block_values, mix, k=count)
            # Communes first, then public service, schools, enterprises: the order a district lists them.
            blocks.sort(key=block_values.index)
            counters = Counter()
            for k, block in enumerate(blocks, 1):
                counters[block] += 1
                gname, members = self._grassroots(rng, block, place, kind)
                gcode = f"{code}-{BLOCK_LETTER[block]}{counters[block]:04d}"
                gid = next_id
                next_id += 1
                rows.append((gid, path + self._step(k), p.depth + 2, 0, gcode, gname, _fold(gname),
                             Level.GRASSROOTS, block, members, True))
                grassroots.append((gid, block, members))

        writer = Writer(Unit, ["id", "path", "depth", "numchild", "code", "name", "search_name", "level", "block",
                               "member_count", "is_sample"])
        writer.write(iter(rows))
        with connection.cursor() as c:
            for pk, n in province_children.items():
                c.execute(f"UPDATE {Unit._meta.db_table} SET numchild = numchild + %s WHERE id = %s", [n, pk])
        self.stdout.write(f"    {len(rows) - len(grassroots):,} superior + {len(grassroots):,} grassroots units")
        return grassroots

    def _grassroots(self, rng, block, place, kind) -> tuple[str, int]:
        own = f"{rng.choice(PLACE)} {rng.choice(PLACE)}"
        if block == Block.COMMUNE:
            prefix = "phường" if kind in ("quận", "thành phố") or rng.random() < 0.1 else ("thị trấn" if rng.random() < 0.08 else "xã")
            return f"CĐ {prefix} {own}", max(8, min(150, round(rng.lognormvariate(math.log(30), 0.4))))
        if block == Block.PUBLIC_SERVICE:
            where = {"quận": "quận", "thị xã": "thị xã", "thành phố": "thành phố"}.get(kind, "huyện")
            return f"CĐ {rng.choice(AGENCIES)} {where} {place}", max(5, min(3000, round(rng.lognormvariate(math.log(25), 0.8))))
        if block == Block.SCHOOL:
            school = rng.choices([s for s, _ in SCHOOL_KINDS], [w for _, w in SCHOOL_KINDS])[0]
            return f"CĐ Trường {school} {own}", rng.randint(20, 120)
        form = rng.choices([f for f, _ in COMPANY_FORMS], [w for _, w in COMPANY_FORMS])[0]
        return (
            f"CĐ {form} {rng.choice(INDUSTRIES)} {own}",
            max(10, min(30000, round(rng.lognormvariate(math.log(80), 1.3)))),
        )

    # ------------------------------------------------------------ initiatives

    def _initiatives(self, total: int, grassroots: list[tuple], campaign: Campaign, seed: int):
        rng = random.Random(f"initiatives-{seed}")
        tz = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        now = timezone.now()
        today = timezone.localdate()
        phases = [p for p in campaign.phases.order_by("number") if p.starts_on <= today]
        if not phases:
            raise CommandError(f"campaign {campaign.slug} has no phase that has started")
        shares = [0.55, 0.45] if len(phases) == 2 else [1.0] * len(phases)

        # Who submits: weight by size (a school's target is its members); one union in eight is silent.
        weights = []
        for _gid, block, members in grassroots:
            base = (members if block == Block.SCHOOL else 2) + 2 * math.sqrt(members)
            weights.append(0.0 if rng.random() < 0.125 else base * rng.lognormvariate(0, 0.6))
        if not any(weights):
            weights = [1.0] * len(grassroots)
        unit_of = rng.choices(range(len(grassroots)), cum_weights=list(accumulate(weights)), k=total)
        phase_of = rng.choices(range(len(phases)), shares, k=total)

        # Submission moments, more of them towards each deadline, between 6:30 and 22:30 local time.
        windows = []
        for p in phases:
            start = dt.datetime.combine(p.starts_on, dt.time(0), tz).timestamp()
            end = min(dt.datetime.combine(p.ends_on + dt.timedelta(days=1), dt.time(0), tz), now.astimezone(tz)).timestamp()
            windows.append((start, max(0.0, (end - start) / 86400)))
        moments = []
        for i in range(total):
            start, days = windows[phase_of[i]]
            frac = rng.random() if rng.random() < 0.6 else rng.triangular(0.5, 1.0, 1.0)
            day = math.floor(frac * days)
            seconds = 6.5 * 3600 + rng.betavariate(2.2, 2.5) * 16 * 3600
            moments.append((start + day * 86400 + seconds, i))
        moments.sort()

        existing_codes = set(Initiative.objects.values_list("tracking_code", flat=True))
        make_code = CodeMaker(seed)
        with connection.cursor() as c:
            c.execute(f"SELECT COALESCE(MAX(id), 0) FROM {Initiative._meta.db_table}")
            next_id = c.fetchone()[0] + 1
            c.execute(f"SELECT COALESCE(MAX(id), 0) FROM {StatusChange._meta.db_table}")
            next_change = c.fetchone()[0] + 1

        ini_columns = [
            "id", "campaign_id", "phase_id", "unit_id", "tracking_code", "status", "full_name", "phone", "id_number",
            "workplace", "sector", "email", "target_group", "title", "solution_type", "description", "benefit_value",
            "co_authors", "recognised_by", "decision_number", "decision_date", "applied_on", "drive_link",
            "not_ip_protected", "consent_at", "rejection_reason", "entered_by_id", "is_sample", "search_text",
            "submitted_at", "updated_at",
        ]
        ini_writer = Writer(Initiative, ini_columns)
        change_writer = Writer(StatusChange, ["id", "initiative_id", "from_status", "to_status", "reason", "note", "by_id", "at"])

        statuses, status_cum = _cum(STATUS_SHARES)
        reasons, reason_cum = _cum(REJECTION_SHARES)
        families, family_cum = _cum(FAMILY)
        groups = {b: _cum(v) for b, v in TARGET_GROUPS.items()}
        solutions, solution_cum = _cum(SOLUTION_TYPES)
        app_start, app_end = campaign.application_start, campaign.application_end
        phase_ids = [p.pk for p in phases]
        random_ = rng.random
        choice = rng.choice
        randint = rng.randint
        counts = Counter()
        code_index = 0
        n_changes = 0
        day_s = 86400.0
        now_ts = now.timestamp()

        ini_rows, change_rows = [], []

        def flush():
            nonlocal ini_rows, change_rows
            ini_writer.write(iter(ini_rows))
            change_writer.write(iter(change_rows))
            ini_rows, change_rows = [], []

        for ts, i in moments:
            gid, block, _members = grassroots[unit_of[i]]
            phase_id = phase_ids[phase_of[i]]
            submitted_at = dt.datetime.fromtimestamp(ts, tz)
            # Tracking code: the i-th value of the keyed bijection not already taken.
            code = make_code(code_index)
            code_index += 1
            while code in existing_codes:
                code = make_code(code_index)
                code_index += 1
            status = _pick(rng, statuses, status_cum)
            counts[status] += 1

            female = random_() < 0.52
            family = _pick(rng, families, family_cum)
            full_name = f"{family} {choice(MIDDLE_F if female else MIDDLE_M)} {choice(GIVEN_F if female else GIVEN_M)}"
            title = f"{choice(VERBS)} {choice(OBJECTS)} {choice(CONTEXTS)}"
            description = f"{title}. {choice(SITUATIONS)} {choice(SOLUTIONS)} {choice(RESULTS)}"
            if random_() < 0.35:
                description += " " + choice(EXTRA)
            phone = choice(PHONE_PREFIXES) + f"{randint(0, 9_999_999):07d}"
            if random_() < 0.25:
                id_number = f"{randint(0, 999_999_999):09d}"
            else:
                id_number = f"{randint(1, 96):03d}{randint(0, 3)}{randint(60, 99) if random_() < 0.5 else randint(0, 5):02d}{randint(0, 999_999):06d}"
            enterprise = block == Block.ENTERPRISE
            values, cum = groups[block]
            sub_day = submitted_at.date()
            latest = min(sub_day, app_end)
            span = max(0, (latest - app_start).days)
            applied_on = app_start + dt.timedelta(days=randint(min(5, span), span)) if span else app_start
            decision_date = app_start + dt.timedelta(days=randint(0, max(0, (applied_on - app_start).days)))
            if random_() < 0.3:
                co_authors = ", ".join(
                    f"{_pick(rng, families, family_cum)} {choice(MIDDLE_M)} {choice(GIVEN_M)}" for _ in range(randint(1, 3))
                )
            else:
                co_authors = ""

            # History: (from, to, reason, note, at)
            t = ts
            history = [("", Status.SUBMITTED, "", "", t)]

            def move(frm, to, reason="", note=None):
                nonlocal t
                t = min(t + day_s * (0.3 + random_() * 30), now_ts - 60)
                history.append((frm, to, reason, NOTES[to] if note is None else note, t))

            reason = ""
            detour = random_()
            if status == Status.RETURNED:
                move(Status.SUBMITTED, Status.RETURNED)
            elif status == Status.RESUBMITTED:
                move(Status.SUBMITTED, Status.RETURNED)
                move(Status.RETURNED, Status.RESUBMITTED)
            elif status in (Status.APPROVED, Status.REJECTED):
                frm = Status.SUBMITTED
                if detour < (0.15 if status == Status.APPROVED else 0.10):
                    move(Status.SUBMITTED, Status.RETURNED)
                    move(Status.RETURNED, Status.RESUBMITTED)
                    frm = Status.RESUBMITTED
                if status == Status.REJECTED:
                    reason = _pick(rng, reasons, reason_cum)
                    move(frm, Status.REJECTED, reason, OTHER_NOTE if reason == "other" else None)
                else:
                    move(frm, Status.APPROVED)
            elif status == Status.WITHDRAWN:
                if detour < 0.3:
                    move(Status.SUBMITTED, Status.RETURNED)
                    move(Status.RETURNED, Status.WITHDRAWN)
                else:
                    move(Status.SUBMITTED, Status.WITHDRAWN)

            initiative_id = next_id
            next_id += 1
            ini_rows.append((
                initiative_id, campaign.pk, phase_id, gid, code, status, full_name, phone, id_number,
                choice(WORKPLACES[block]) if random_() < 0.6 else "",
                "enterprise" if enterprise else "public",
                f"nguoinop{i}@example.com" if random_() < 0.2 else "",
                _pick(rng, values, cum), title, _pick(rng, solutions, solution_cum), description,
                int(round(rng.lognormvariate(math.log(20_000_000), 1.2), -5)) if random_() < 0.5 else None,
                co_authors,
                ("council" if random_() < 0.6 else "head") if enterprise else ("head" if random_() < 0.7 else "council"),
                f"{randint(1, 999)}/{choice(DECISION_SUFFIXES)}",
                decision_date, applied_on,
                "https://drive.google.com/drive/folders/" + "".join(choice(DRIVE_CHARS) for _ in range(33)),
                True, submitted_at, reason, None, True,
                f"{code.lower()} {_fold(title)} {_fold(full_name)}",
                submitted_at, dt.datetime.fromtimestamp(history[-1][4], tz),
            ))
            for frm, to, why, note, at in history:
                change_rows.append((next_change, initiative_id, frm, to, why, note, None, dt.datetime.fromtimestamp(at, tz)))
                next_change += 1
            n_changes += len(history)
            if len(ini_rows) >= CHUNK:
                flush()
        flush()
        shares_text = ", ".join(f"{s} {counts[s] / max(1, total):.1%}" for s in statuses)
        self.stdout.write(f"    {total:,} initiatives ({shares_text}); {n_changes:,} status changes")

    # ------------------------------------------------------------ progress

    def _rebuild_progress(self, campaign: Campaign):
        """ProgressCount and ProgressWeek of `campaign` from scratch: quotas.progress.rebuild(),
        set-based SQL on PostgreSQL."""
        from quotas import progress

        t = time.perf_counter()
        progress.rebuild(campaign)
        if self.verbosity > 1:
            self.stdout.write(f"    {campaign.slug}: rebuilt in {time.perf_counter() - t:.1f} s")

    # ------------------------------------------------------------ checks

    def _verify(self, campaign: Campaign, seed: int):
        """Maintained counts equal direct counts (and the allocation engine's targets) on a sample:
        the nation, three provinces, five districts and ten grassroots units."""
        rng = random.Random(f"verify-{seed}")
        gen = generated_units()
        sample = list(Unit.objects.filter(level=Level.NATIONAL)[:1])
        provinces = list(Unit.objects.filter(level=Level.PROVINCE).order_by("path"))
        sample += rng.sample(provinces, min(3, len(provinces)))
        districts = list(gen.filter(level=Level.SUPERIOR).values_list("pk", flat=True))
        sample += list(Unit.objects.filter(pk__in=rng.sample(districts, min(5, len(districts)))))
        leaves = list(gen.filter(level=Level.GRASSROOTS).order_by("pk").values_list("pk", flat=True))
        sample += list(Unit.objects.filter(pk__in=rng.sample(leaves, min(10, len(leaves)))))
        phases = list(campaign.phases.order_by("number"))
        maintained = {
            (c.unit_id, c.phase_id): (c.target, c.submitted, c.approved)
            for c in ProgressCount.objects.filter(unit__in=sample, phase__in=phases)
        }
        problems = []
        for unit in sample:
            targets = subtree_targets(unit, campaign)
            direct = {
                row["phase_id"]: (row["submitted"], row["approved"])
                for row in Initiative.objects.filter(campaign=campaign, unit__path__startswith=unit.path)
                .values("phase_id")
                .annotate(submitted=Count("pk", filter=~Q(status=Status.WITHDRAWN)),
                          approved=Count("pk", filter=Q(status=Status.APPROVED)))
                .order_by()
            }
            for phase in phases:
                expected = (targets[phase.number], *direct.get(phase.pk, (0, 0)))
                got = maintained.get((unit.pk, phase.pk), (0, 0, 0))
                if got != expected:
                    problems.append(f"{unit.code} phase {phase.number}: maintained {got} ≠ direct {expected}")
        week_unit = sample[min(len(sample) - 1, 4)]
        for phase in phases:
            weeks = sum(ProgressWeek.objects.filter(unit=week_unit, phase=phase).values_list("submitted", flat=True))
            got = maintained.get((week_unit.pk, phase.pk), (0, 0, 0))[1]
            if weeks != got:
                problems.append(f"{week_unit.code} phase {phase.number}: weeks sum {weeks} ≠ submitted {got}")
        nation = sample[0] if sample and sample[0].level == Level.NATIONAL else None
        for other in Campaign.objects.exclude(pk=campaign.pk) if nation else []:
            expected = subtree_targets(nation, other)
            got = dict(ProgressCount.objects.filter(unit=nation, phase__campaign=other).values_list("phase__number", "target"))
            if any(got.get(n, 0) != t for n, t in expected.items()):
                problems.append(f"{other.slug}: nation targets {got} ≠ engine {expected}")
        if problems:
            raise CommandError("maintained counts differ from direct counts:\n  " + "\n  ".join(problems))
        self.stdout.write(f"    {len(sample)} units × {len(phases)} phases: maintained = direct (target, submitted, approved)")

    def _analyze(self, vacuum: bool):
        tables = [m._meta.db_table for m in (Unit, Initiative, StatusChange, ProgressCount, ProgressWeek)]
        with connection.cursor() as c:
            if self.postgres and vacuum and not connection.in_atomic_block:
                for t in tables:
                    c.execute(f"VACUUM (ANALYZE) {t}")
            elif self.postgres:
                for t in tables:
                    c.execute(f"ANALYZE {t}")
            else:
                c.execute("ANALYZE")
