"""What a person reads or opens: message texts and keyboards, labels, button data, agenda
and scorecard text, charts, XLSX, ICS. Plain functions of domain objects and an I18n: nothing
here sends, commits or reads a Telegram update."""
