from muban.cli import app

app()
