-- uv-index-guard language server for Neovim 0.11+ (`:help lsp-config`).
--
-- Install: copy this file to `~/.config/nvim/lsp/uv_index_guard.lua` (or put its parent
-- directory on 'runtimepath'), then add to your init.lua:
--
--     vim.lsp.enable('uv_index_guard')
--
-- It attaches only to files named `pyproject.toml` and `uv.toml`, and to the CI files the
-- server checks (`.gitlab-ci.yml`, `.github/workflows/*.yml`, `.env`, `.env.*`): the `toml`,
-- `yaml` and `sh` filetypes alone would catch every such file, so `root_dir` declines the
-- others. Neovim gives `.env` the `sh` filetype but `.env.local` none; to have those too:
--
--     vim.filetype.add({ pattern = { ['%.env%.[%w_.-]+'] = 'sh' } })
--
-- The server is, in this order: `uv-index-guard` in the project's `.venv` (the nearest
-- directory holding `uv.lock`, `.venv` or `.git`), in `$VIRTUAL_ENV`, then on PATH (pip,
-- pipx and `uv tool install` put it there). To pin one, override `cmd`:
--
--     vim.lsp.config('uv_index_guard', { cmd = { '/path/to/uv-index-guard', 'lsp' } })

local names = { ['pyproject.toml'] = true, ['uv.toml'] = true }

--- Whether `path` is a CI file the server checks.
--- @param path string
--- @return boolean
local function ci_file(path)
  local name = vim.fs.basename(path)
  if name == '.gitlab-ci.yml' or name == '.gitlab-ci.yaml' or name == '.env'
      or name:match('^%.env%..+') then
    return true
  end
  local dir = vim.fs.dirname(path):gsub('\\', '/')
  return (name:match('%.ya?ml$') ~= nil) and dir:match('/%.github/workflows$') ~= nil
end
local windows = vim.fn.has('win32') == 1

--- The `uv-index-guard` executable in the virtualenv `venv`, if there is one.
--- @param venv string?
--- @return string?
local function in_venv(venv)
  if not venv or venv == '' then
    return nil
  end
  local exe = windows and vim.fs.joinpath(venv, 'Scripts', 'uv-index-guard.exe')
    or vim.fs.joinpath(venv, 'bin', 'uv-index-guard')
  if vim.fn.executable(exe) == 1 then
    return exe
  end
  return nil
end

--- @param root string?
--- @return string
local function executable(root)
  return in_venv(root and vim.fs.joinpath(root, '.venv'))
    or in_venv(vim.env.VIRTUAL_ENV)
    or 'uv-index-guard'
end

---@type vim.lsp.Config
return {
  cmd = function(dispatchers, config)
    local root = config and config.root_dir
    return vim.lsp.rpc.start({ executable(root), 'lsp' }, dispatchers, {
      cwd = root,
      env = config and config.cmd_env,
    })
  end,
  filetypes = { 'toml', 'yaml', 'sh' },
  root_dir = function(bufnr, on_dir)
    local path = vim.api.nvim_buf_get_name(bufnr)
    if not names[vim.fs.basename(path)] and not ci_file(path) then
      return -- not ours: no client for this buffer
    end
    on_dir(vim.fs.root(bufnr, { 'uv.lock', '.venv', '.git' }) or vim.fs.dirname(path))
  end,
  -- Forwarded to the server as initializationOptions.
  init_options = {},
}
