"""Order store: SQLAlchemy 2 async models, repositories, unit of work, migrations,
importers and the media store.  Never imports a chat framework."""
