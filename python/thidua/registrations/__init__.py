"""Registration at the start of the year (bản đăng ký thi đua): a workbook per unit to register
collective titles, members' titles and the pledges, issued with a token like the period forms
(book.py); the returned workbooks read in contained workers and consolidated into the registered
lists per cluster and industry (collect.py, workbook.py); the consolidated workbook read back
(load.py) to pre-fill the period forms and to judge the plan's 'Đăng ký từ đầu năm' condition
(record.py, check.awards)."""
