-- Drives real Neovim for tests/test_neovim.py: `nvim --headless -u NONE -c 'luafile THIS'`.
-- Reads its inputs from the environment, writes what it saw as JSON to $UIG_OUT, then quits.
--   UIG_RTP      directory to prepend to 'runtimepath' (editors/nvim)
--   UIG_FILE     the pyproject.toml / uv.toml to open
--   UIG_LINE     0-based line where the diagnostic is expected
--   UIG_SECRET   text that must be gone from the buffer after the code action
--   UIG_ACTION   title prefix of the code action to apply ('' = only wait for the diagnostic)
--   UIG_OTHER    another TOML file that must get no client ('' = none)
--   UIG_TIMEOUT  milliseconds for each wait
local env = vim.env
local timeout = tonumber(env.UIG_TIMEOUT) or 20000
local result = { steps = {} }

local function step(name)
  table.insert(result.steps, name)
end

local function ms_since(t0)
  return math.floor((vim.uv.hrtime() - t0) / 1e6 + 0.5)
end

local function ours(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr, name = 'uv_index_guard' })[1]
end

local function run()
  vim.opt.runtimepath:prepend(env.UIG_RTP)
  vim.cmd('filetype on')
  vim.lsp.enable('uv_index_guard')
  step('enabled')

  local line = tonumber(env.UIG_LINE)
  local t0 = vim.uv.hrtime()
  vim.cmd.edit(vim.fn.fnameescape(env.UIG_FILE))
  local buf = vim.api.nvim_get_current_buf()
  result.filetype = vim.bo[buf].filetype

  result.attached = vim.wait(timeout, function()
    return ours(buf) ~= nil
  end, 10)
  if not result.attached then
    return
  end
  result.attach_ms = ms_since(t0)
  step('attached')

  local function ours_at(lnum)
    return vim.tbl_filter(function(d)
      return d.source == 'uv-index-guard'
    end, vim.diagnostic.get(buf, { lnum = lnum }))
  end
  result.got_diagnostic = vim.wait(timeout, function()
    return #ours_at(line) > 0
  end, 5)
  if not result.got_diagnostic then
    result.diagnostics_anywhere = #vim.diagnostic.get(buf)
    return
  end
  result.first_diagnostic_ms = ms_since(t0)
  local diag = ours_at(line)[1]
  result.diagnostic = { code = diag.code, lnum = diag.lnum, severity = diag.severity,
                        message = diag.message }
  step('diagnostic')

  if env.UIG_OTHER and env.UIG_OTHER ~= '' then
    vim.cmd.edit(vim.fn.fnameescape(env.UIG_OTHER))
    local other = vim.api.nvim_get_current_buf()
    result.other_filetype = vim.bo[other].filetype
    vim.wait(300) -- room for a (wrong) client to attach
    result.other_attached = ours(other) ~= nil
    vim.cmd.buffer(buf)
    step('other')
  end

  if not env.UIG_ACTION or env.UIG_ACTION == '' then
    return
  end

  -- The code actions the server offers on that line, as a user's `gra` would ask for them.
  local client = ours(buf)
  local params = {
    textDocument = vim.lsp.util.make_text_document_params(buf),
    range = { start = { line = line, character = diag.col },
              ['end'] = { line = line, character = diag.end_col } },
    context = { diagnostics = { diag.user_data.lsp }, triggerKind = 1 },
  }
  local response = client:request_sync('textDocument/codeAction', params, timeout, buf)
  result.actions = {}
  for _, action in ipairs(response and response.result or {}) do
    table.insert(result.actions, action.title)
  end
  step('actions')

  -- Apply the wanted one through Neovim's own code-action path. If the filter left several,
  -- Neovim would ask with vim.ui.select, which blocks headless: record and pick none.
  vim.ui.select = function(items, _, on_choice)
    result.ambiguous = #items
    on_choice(nil)
  end
  local prefix = env.UIG_ACTION
  vim.api.nvim_win_set_cursor(0, { line + 1, diag.col })
  vim.lsp.buf.code_action({
    apply = true,
    filter = function(action)
      return vim.startswith(action.title, prefix)
    end,
  })
  local function holds_secret()
    local text = table.concat(vim.api.nvim_buf_get_lines(buf, 0, -1, false), '\n')
    return text:find(env.UIG_SECRET, 1, true) ~= nil
  end
  result.secret_gone = vim.wait(timeout, function()
    return not holds_secret()
  end, 10)
  step('applied')
  result.url_line = vim.api.nvim_buf_get_lines(buf, line, line + 1, false)[1]

  -- The server writes `.env` itself (as `fix --to env` does), then edits the URL.
  local env_file = vim.fs.joinpath(vim.fs.dirname(env.UIG_FILE), '.env')
  if vim.fn.filereadable(env_file) == 1 then
    local env_text = table.concat(vim.fn.readfile(env_file), '\n')
    result.env_holds_secret = env_text:find(env.UIG_SECRET, 1, true) ~= nil
    result.env_perm = vim.fn.getfperm(env_file)
    result.env_names = {}
    for name in env_text:gmatch('([%w_]+)=') do
      table.insert(result.env_names, name)
    end
  end

  -- The server re-checks the edited buffer: the finding on that line goes away.
  result.diagnostic_cleared = vim.wait(timeout, function()
    return #ours_at(line) == 0
  end, 10)
  step('cleared')
end

local ok, err = xpcall(run, debug.traceback)
if not ok then
  result.error = tostring(err)
end
vim.fn.writefile({ vim.json.encode(result) }, env.UIG_OUT)
vim.cmd('qall!')
