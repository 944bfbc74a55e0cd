from s4chain.cli.main import app

app()
