"""yuqing (舆情): watches Chinese news sites, forums and social pages for what is said about an
organisation and alerts its public-opinion office in time.

The installed package maps the project's top-level folders to subpackages (pyproject.toml's
`package-dir`): `yuqing.cli` → `cli/`, `yuqing.service` → `service/`, `yuqing.alerts` →
`alerts/`, `yuqing.analysis` → `analysis/`, `yuqing.collector` → `collector/`, `yuqing.config`
→ `config/`, `yuqing.simulator` → `simulator/`, `yuqing.migrations` → `migrations/`.
"""
