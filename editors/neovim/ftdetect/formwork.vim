" formwork templates, and spec files inside a formwork workspace.
autocmd BufRead,BufNewFile *.fw setfiletype formwork
autocmd BufRead,BufNewFile *.yaml,*.yml,*.json lua require('formwork').detect_spec()
