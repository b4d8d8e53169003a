"""The daily digest (舆情日报): its figures from the database (data, stories, watch, store), the
model they fill, charts, HTML/Markdown rendering, the email and the scheduled job."""
