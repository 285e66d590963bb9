from uv_index_guard.cli import main

raise SystemExit(main())
