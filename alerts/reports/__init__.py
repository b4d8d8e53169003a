"""The office's reports in Word (docs/spec.md §12): 日报, 周报/月报 and the 专报 of one incident,
rendered as .docx from templates the office can edit (docxtpl)."""
