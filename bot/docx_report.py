"""The social-report draft as a Word document (python-docx), from the same blocks as its
Markdown (dialogs.social_report). SDK-free; returns bytes, writes no files."""

from __future__ import annotations

import io
from collections.abc import Sequence

from docx import Document
from docx.shared import Pt

from dialogs.social_report import Block, Bullets, Heading, Paragraph, Table

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def to_docx(blocks: Sequence[Block], title: str = "") -> bytes:
    document = Document()
    document.core_properties.title = title[:255]
    style = document.styles["Normal"]
    style.font.size = Pt(11)  # type: ignore[attr-defined]
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=min(max(block.level, 0), 9))
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(block.text)
            run.italic = block.placeholder
        elif isinstance(block, Bullets):
            for item in block.items:
                document.add_paragraph(item, style="List Bullet")
        elif isinstance(block, Table):
            table = document.add_table(rows=1, cols=len(block.header))
            table.style = "Table Grid"
            for cell, value in zip(table.rows[0].cells, block.header, strict=True):
                cell.text = value
                for run in cell.paragraphs[0].runs:
                    run.bold = True
            for row in block.rows:
                cells = table.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
