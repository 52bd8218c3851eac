"""The brief as a document in the official layout (公文格式): 红头 (the issuing unit's name in
red), the number and date line, a red rule, the title, the body in 仿宋 with headings in 黑体,
and the tables of figures. Word through python-docx (East Asian fonts through w:eastAsia); PDF
through reportlab with its built-in CID font STSong-Light (nothing embedded or downloaded)."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

RED = RGBColor(0xC8, 0x10, 0x2E)
TITLE_FONT = "宋体"  # 方正小标宋 where installed; 宋体 everywhere
HEAD_FONT = "黑体"
BODY_FONT = "仿宋"
BODY_SIZE = Pt(16)  # 三号


def issuer_title(brief) -> str:
    return f"{brief.org.name}{'督查专报' if brief.kind == 'round' else '督导工作汇总'}"


def date_text(brief) -> str:
    d = brief.issued_on
    return f"{d.year}年{d.month}月{d.day}日" if d else "（未印发）"


def figure_tables(f: dict) -> list[tuple[str, list[str], list[list[str]]]]:
    """The tables of figures: (caption, header, rows) — the same for docx, pdf and the page."""
    def pct(a, b):
        return f"{100 * a / b:.1f}%" if b else "—"

    overview = [
        ["督查单位（已覆盖/应覆盖）", f"{f.get('units_covered', 0)}/{f.get('units_assigned', 0)}", pct(f.get("units_covered", 0), f.get("units_assigned", 0))],
        ["走访党支部", str(f.get("branches_visited", 0)), ""],
        ["督查活动", str(f.get("activities", 0)), ""],
        ["座谈访谈人数", str(f.get("interviewed", 0)), ""],
        ["随机提问人次（回答良好）", f"{f.get('questioned', 0)}（{f.get('questioned_good', 0)}）", pct(f.get("questioned_good", 0), f.get("questioned", 0))],
        ["发现问题", str(f.get("problems", 0)), ""],
        ["反馈意见（已回复）", f"{f.get('feedback', 0)}（{f.get('feedback_answered', 0)}）", pct(f.get("feedback_answered", 0), f.get("feedback", 0))],
        ["典型经验", str(f.get("exemplars", 0)), ""],
    ]
    tables = [("表1 督查工作总体情况", ["项目", "数量", "比例"], overview)]
    kinds = [[k["label"], str(k["count"])] for k in f.get("by_kind", [])]
    tables.append(("表2 督查活动方式", ["方式", "次数"], kinds))
    if f.get("by_group"):
        tables.append(("表3 各巡回指导组督查情况", ["指导组", "活动次数", "督查单位", "访谈人数"],
                       [[g["group"], str(g["count"]), str(g["units"]), str(g["people"])] for g in f["by_group"]]))
    aspects = [[a["aspect"], str(a["count"])] for a in f.get("by_aspect", [])] or [["（无）", "0"]]
    tables.append((f"表{len(tables) + 1} 发现问题（按问题方面）", ["问题方面", "个数"], aspects))
    statuses = [[s["label"], str(s["count"])] for s in f.get("by_status", [])] or [["（无）", "0"]]
    tables.append((f"表{len(tables) + 1} 问题整改状态", ["状态", "个数"], statuses))
    return tables


FOOTNOTE = "注：数据由系统根据督查活动、随机提问、问题清单和反馈记录自动统计。“回答良好”指随机提问得分不低于80分（答对题数占所提题数的80%及以上，含全部答对）。"


# -------------------------------------------------------------------------------------- docx
def _font(run, name: str, size=None, bold=False, color=None) -> None:
    run.font.name = name
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(attr), name)
    if size is not None:
        run.font.size = size
    run.bold = bold
    if color is not None:
        run.font.color.rgb = color


def _para(doc, text: str, font: str, size, *, align=None, bold=False, color=None, indent=False, space_after=None):
    p = doc.add_paragraph()
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = Pt(32)
    p.paragraph_format.space_after = space_after if space_after is not None else Pt(0)
    p.paragraph_format.line_spacing = Pt(28)
    _font(p.add_run(text), font, size, bold, color)
    return p


def _red_rule(paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    border = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", "18"), ("w:space", "1"), ("w:color", "C8102E")):
        bottom.set(qn(k), v)
    border.append(bottom)
    ppr.append(border)


def brief_docx(brief, figures: dict, sections: list[dict]) -> bytes:
    doc = Document()
    sec = doc.sections[0]
    sec.page_height, sec.page_width = Cm(29.7), Cm(21.0)
    sec.top_margin, sec.bottom_margin, sec.left_margin, sec.right_margin = Cm(3.7), Cm(3.5), Cm(2.8), Cm(2.6)
    _para(doc, issuer_title(brief), TITLE_FONT, Pt(36), align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, color=RED, space_after=Pt(12))
    line = _para(doc, f"{brief.number or '（印发时编号）'}\t{date_text(brief)}", BODY_FONT, BODY_SIZE, space_after=Pt(18))
    line.paragraph_format.tab_stops.add_tab_stop(Cm(15.6), alignment=2)  # right-aligned date
    _red_rule(line)
    _para(doc, brief.title, TITLE_FONT, Pt(22), align=WD_ALIGN_PARAGRAPH.CENTER, bold=True, space_after=Pt(18))
    period = f"统计时段：{brief.period_start:%Y年%m月%d日}至{brief.period_end:%Y年%m月%d日}"
    _para(doc, period, BODY_FONT, Pt(14), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(12))
    for s in sections:
        _para(doc, s["title"], HEAD_FONT, BODY_SIZE, space_after=Pt(4))
        for chunk in (s.get("text") or "").splitlines() or [""]:
            if chunk.strip():
                _para(doc, chunk.strip(), BODY_FONT, BODY_SIZE, indent=True)
    _para(doc, "附：督查数据统计表", HEAD_FONT, BODY_SIZE, space_after=Pt(6))
    for caption, header, rows in figure_tables(figures):
        _para(doc, caption, HEAD_FONT, Pt(12), align=WD_ALIGN_PARAGRAPH.CENTER, space_after=Pt(4))
        table = doc.add_table(rows=1 + len(rows), cols=len(header))
        table.style = "Table Grid"
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        for r, values in enumerate([header, *rows]):
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.text = ""
                _font(cell.paragraphs[0].add_run(value), HEAD_FONT if r == 0 else BODY_FONT, Pt(12), bold=r == 0)
        doc.add_paragraph()
    _para(doc, FOOTNOTE, BODY_FONT, Pt(10.5))
    _para(doc, f"{brief.org.name}", BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT)
    _para(doc, date_text(brief), BODY_FONT, BODY_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


# --------------------------------------------------------------------------------------- pdf
def brief_pdf(brief, figures: dict, sections: list[dict]) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import cm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import (
        HRFlowable,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    font = "STSong-Light"
    if font not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(font))
    red = colors.HexColor("#C8102E")
    st = {
        "red": ParagraphStyle("red", fontName=font, fontSize=28, leading=36, alignment=TA_CENTER, textColor=red),
        "line": ParagraphStyle("line", fontName=font, fontSize=12, leading=18),
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=26, alignment=TA_CENTER, spaceBefore=10, spaceAfter=6),
        "center": ParagraphStyle("center", fontName=font, fontSize=11, leading=16, alignment=TA_CENTER, spaceAfter=8),
        "head": ParagraphStyle("head", fontName=font, fontSize=14, leading=22, spaceBefore=6),
        "body": ParagraphStyle("body", fontName=font, fontSize=13, leading=22, firstLineIndent=26, wordWrap="CJK"),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=10.5, leading=14, wordWrap="CJK"),
        "note": ParagraphStyle("note", fontName=font, fontSize=9, leading=13, wordWrap="CJK", spaceBefore=6),
        "right": ParagraphStyle("right", fontName=font, fontSize=13, leading=20, alignment=TA_RIGHT),
    }
    story = [Paragraph(escape(issuer_title(brief)), st["red"]), Spacer(1, 8)]
    line = Table([[Paragraph(escape(brief.number or "（印发时编号）"), st["line"]),
                   Paragraph(escape(date_text(brief)), ParagraphStyle("d", parent=st["line"], alignment=TA_RIGHT))]],
                 colWidths=[8 * cm, 8 * cm])
    line.setStyle(TableStyle([("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story += [line, HRFlowable(width="100%", thickness=2, color=red, spaceBefore=2, spaceAfter=8),
              Paragraph(escape(brief.title), st["title"]),
              Paragraph(escape(f"统计时段：{brief.period_start:%Y年%m月%d日}至{brief.period_end:%Y年%m月%d日}"), st["center"])]
    for s in sections:
        story.append(Paragraph(escape(s["title"]), st["head"]))
        for chunk in (s.get("text") or "").splitlines():
            if chunk.strip():
                story.append(Paragraph(escape(chunk.strip()), st["body"]))
    story.append(Paragraph("附：督查数据统计表", st["head"]))
    for caption, header, rows in figure_tables(figures):
        story.append(Paragraph(escape(caption), st["center"]))
        data = [[Paragraph(escape(v), st["cell"]) for v in r] for r in [header, *rows]]
        t = Table(data, repeatRows=1, colWidths=[16 * cm / len(header)] * len(header))
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2")),
                               ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story += [t, Spacer(1, 8)]
    story += [Paragraph(escape(FOOTNOTE), st["note"]), Spacer(1, 16),
              Paragraph(escape(brief.org.name), st["right"]), Paragraph(escape(date_text(brief)), st["right"])]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=2.8 * cm, rightMargin=2.6 * cm, topMargin=3.0 * cm, bottomMargin=2.5 * cm,
                      title=brief.title, author=brief.org.name).build(story)
    return out.getvalue()
