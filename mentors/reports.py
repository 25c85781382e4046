"""The monthly mentor report (*laporan bulanan pendamping*) as XLSX and as a printable PDF.

One builder gathers the month's figures through the reader's scope; the two writers
only lay them out, so both files always say the same thing.
"""

import datetime
import io
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from groups.models import BusinessReport, Kube
from groups.money import group_digits
from kube_portal.dates import month_start
from kube_portal.spreadsheets import XlsxBook
from mentors.models import Assignment, FieldVisit, Mentor
from mentors.scope import active_assignment_q


@dataclass
class MonthlyReport:
    mentor: Mentor
    month: datetime.date
    visits: list[FieldVisit]
    kube: list[Kube]
    business: list[BusinessReport]
    problems: list[FieldVisit] = field(default_factory=list)
    generated_at: datetime.datetime = field(default_factory=timezone.localtime)

    @property
    def title(self) -> str:
        return _("Laporan Bulanan Pendamping KUBE")

    @property
    def period(self) -> str:
        return date_format(self.month, "F Y")

    @property
    def visited_kube_count(self) -> int:
        return len({visit.kube_id for visit in self.visits})


def _month_end(month: datetime.date) -> datetime.date:
    return month_start(month, 1) - datetime.timedelta(days=1)


def monthly_report(*, user, mentor: Mentor, month: datetime.date) -> MonthlyReport:
    """What `mentor` did in `month`, as far as `user` may read it."""
    end = _month_end(month)
    visits = list(
        FieldVisit.objects.visible_to(user)
        .filter(mentor=mentor, visited_on__range=(month, end))
        .select_related("kube")
        .prefetch_related("members_present")
        .order_by("visited_on", "id")
    )
    # The KUBE the mentor accompanied at any time in the month.
    in_month = Assignment.objects.filter(mentor=mentor, started_on__lte=end).exclude(ended_on__lt=month)
    kube = list(
        Kube.objects.visible_to(user)
        .filter(pk__in=in_month.values("kube_id"))
        .annotate(
            still_assigned=Subquery(
                Assignment.objects.filter(active_assignment_q(on=end), mentor=mentor, kube=OuterRef("pk")).values("pk")[
                    :1
                ]
            )
        )
        .order_by("name")
    )
    business = list(
        BusinessReport.objects.filter(kube__in=[k.pk for k in kube], month=month)
        .select_related("kube")
        .order_by("kube__name")
    )
    return MonthlyReport(
        mentor=mentor,
        month=month,
        visits=visits,
        kube=kube,
        business=business,
        problems=[visit for visit in visits if visit.problems.strip()],
    )


def _visit_rows(report: MonthlyReport) -> list[list]:
    return [
        [
            index,
            visit.visited_on.strftime("%d-%m-%Y"),
            visit.kube.name,
            len(visit.members_present.all()),
            ", ".join(visit.topic_labels),
            visit.notes,
            visit.get_status_display(),
        ]
        for index, visit in enumerate(report.visits, start=1)
    ]


def _business_rows(report: MonthlyReport) -> list[list]:
    return [
        [row.kube.name, row.revenue, row.costs, row.profit, row.group_savings, row.members_present]
        for row in report.business
    ]


def _headers():
    visits = [_("No."), _("Tanggal"), _("KUBE"), _("Hadir"), _("Topik"), _("Catatan"), _("Status")]
    business = [_("KUBE"), _("Omzet (Rp)"), _("Biaya (Rp)"), _("Laba (Rp)"), _("Tabungan (Rp)"), _("Hadir rapat")]
    return visits, business


def _summary(report: MonthlyReport) -> list[tuple[str, str]]:
    mentor = report.mentor
    return [
        (_("Nama pendamping"), mentor.name),
        (_("NIK"), mentor.nik),
        (_("Wilayah kerja"), str(mentor.work_area)),
        (_("Periode"), report.period),
        (_("Jumlah kunjungan"), str(len(report.visits))),
        (_("KUBE dikunjungi"), f"{report.visited_kube_count} / {len(report.kube)}"),
        (_("Masalah dicatat"), str(len(report.problems))),
    ]


def as_xlsx(report: MonthlyReport) -> bytes:
    book = XlsxBook()
    summary = book.sheet(_("Ringkasan"))
    summary.column_widths([24, 50])
    summary.append([report.title], bold=True, size=14)
    for label, value in _summary(report):
        summary.append([label, value])
    summary.append([])
    summary.append([_("Pendamping KUBE"), _("Mengetahui, Dinas Sosial Kabupaten/Kota")])
    summary.append([])
    summary.append([])
    summary.append([f"( {report.mentor.name} )", "( ........................................ )"])

    visit_headers, business_headers = _headers()
    visits = book.sheet(_("Kunjungan"))
    visits.column_widths([5, 12, 30, 8, 40, 60, 14])
    visits.append(visit_headers, bold=True)
    for row in _visit_rows(report):
        visits.append(row, wrap=True)

    business = book.sheet(_("Usaha"))
    business.column_widths([30])
    business.append(business_headers, bold=True)
    amounts = [None, "#,##0", "#,##0", "#,##0", "#,##0"]
    for row in _business_rows(report):
        business.append(row, number_formats=amounts)

    problems = book.sheet(_("Masalah"))
    problems.append([_("Tanggal"), _("KUBE"), _("Masalah"), _("Tindak lanjut")], bold=True)
    for visit in report.problems:
        problems.append(
            [visit.visited_on.strftime("%d-%m-%Y"), visit.kube.name, visit.problems, visit.follow_up], wrap=True
        )
    return book.to_bytes()


def _rupiah(value) -> str:
    return group_digits(f"{value:,}") if value is not None else "-"


def as_pdf(report: MonthlyReport) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.lib.units import cm
    from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        title=f"{report.title} {report.period}",
        author="KUBE Portal",
    )
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#0b3b6f")),
            ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
            ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]
    )

    def cell(text) -> Paragraph:
        return Paragraph(str(text).replace("&", "&amp;").replace("<", "&lt;").replace("\n", "<br/>"), small)

    story = [
        Paragraph(report.title, styles["Title"]),
        Paragraph(_("Kementerian Sosial Republik Indonesia · Program KUBE"), styles["Normal"]),
        Spacer(1, 0.4 * cm),
    ]
    summary = Table([[label, value] for label, value in _summary(report)], colWidths=[5 * cm, 12 * cm], hAlign="LEFT")
    summary.setStyle(TableStyle([("FONTSIZE", (0, 0), (-1, -1), 9), ("FONTNAME", (0, 0), (0, -1), "Helvetica-Bold")]))
    story += [summary, Spacer(1, 0.4 * cm)]

    visit_headers, business_headers = _headers()
    story.append(Paragraph(_("Kunjungan lapangan"), styles["Heading2"]))
    if report.visits:
        rows = [visit_headers] + [
            [row[0], row[1], cell(row[2]), row[3], cell(row[4]), cell(row[5]), row[6]] for row in _visit_rows(report)
        ]
        table = Table(rows, colWidths=[1 * cm, 2.2 * cm, 5 * cm, 1.8 * cm, 5 * cm, 9.5 * cm, 2.2 * cm], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    else:
        story.append(Paragraph(_("Tidak ada kunjungan pada bulan ini."), styles["Normal"]))

    story.append(Paragraph(_("Data usaha KUBE bulan ini"), styles["Heading2"]))
    if report.business:
        rows = [business_headers] + [
            [cell(r[0]), _rupiah(r[1]), _rupiah(r[2]), _rupiah(r[3]), _rupiah(r[4]), r[5]]
            for r in _business_rows(report)
        ]
        table = Table(rows, colWidths=[7 * cm, 3.5 * cm, 3.5 * cm, 3.5 * cm, 3.5 * cm, 2.5 * cm], repeatRows=1)
        table.setStyle(grid)
        table.setStyle(TableStyle([("ALIGN", (1, 1), (4, -1), "RIGHT")]))
        story.append(table)
    else:
        story.append(Paragraph(_("Belum ada laporan usaha bulan ini."), styles["Normal"]))

    story.append(Paragraph(_("Masalah dan tindak lanjut"), styles["Heading2"]))
    if report.problems:
        rows = [[_("Tanggal"), _("KUBE"), _("Masalah"), _("Tindak lanjut")]] + [
            [v.visited_on.strftime("%d-%m-%Y"), cell(v.kube.name), cell(v.problems), cell(v.follow_up)]
            for v in report.problems
        ]
        table = Table(rows, colWidths=[2.2 * cm, 5 * cm, 9.5 * cm, 9.5 * cm], repeatRows=1)
        table.setStyle(grid)
        story.append(table)
    else:
        story.append(Paragraph(_("Tidak ada masalah yang dicatat."), styles["Normal"]))

    place_date = _("%(place)s, %(date)s") % {
        "place": report.mentor.work_area.name,
        "date": date_format(report.generated_at.date(), "j F Y"),
    }
    signatures = Table(
        [
            ["", place_date],
            [_("Mengetahui,"), ""],
            [_("Kepala Dinas Sosial %(area)s") % {"area": report.mentor.work_area.name}, _("Pendamping KUBE")],
            ["", ""],
            ["", ""],
            ["", ""],
            ["( ........................................ )", f"( {report.mentor.name} )"],
            [_("NIP."), _("NIK. %(nik)s") % {"nik": report.mentor.nik}],
        ],
        colWidths=[12 * cm, 12 * cm],
        rowHeights=[None, None, None, 0.5 * cm, 0.5 * cm, 0.5 * cm, None, None],
    )
    signatures.setStyle(TableStyle([("ALIGN", (0, 0), (-1, -1), "CENTER"), ("FONTSIZE", (0, 0), (-1, -1), 9)]))
    story += [Spacer(1, 0.5 * cm), KeepTogether(signatures)]

    def footer(canvas, document):
        canvas.saveState()
        canvas.setFont("Helvetica", 7)
        canvas.drawString(
            1.5 * cm,
            0.8 * cm,
            _("Dibuat oleh KUBE Portal pada %(at)s · halaman %(page)d")
            % {"at": report.generated_at.strftime("%d-%m-%Y %H:%M"), "page": document.page},
        )
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
