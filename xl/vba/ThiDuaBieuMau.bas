Attribute VB_Name = "ThiDuaBieuMau"
' Thi dua - ribbon callbacks of an issued form (the "Thi dua" tab in customUI/customUI.xml).
'
' One small Sub per button. The work is done in Python, by thidua.excel.<function>(), which
' xlwings' RunPython starts (module "xlwings" of this project, standalone mode: the CDCS PC
' needs Python with the thidua package, no add-in). This text must stay ASCII (VBA keeps
' source in code page 1252): Vietnamese text lives in the ribbon XML and in Python.
' Source of truth: xl/vba/ThiDuaBieuMau.bas in the thidua repository (thidua build-excel).
Option Explicit

' Kiem tra: check the figures and mark the cells that need attention.
Public Sub KiemTra(control As IRibbonControl)
    RunPython "import thidua.excel as x; x.validate()"
End Sub

' Cham diem: compute the score of this form.
Public Sub ChamDiem(control As IRibbonControl)
    RunPython "import thidua.excel as x; x.score()"
End Sub

' Xoa danh dau: remove the marks that Kiem tra left on cells.
Public Sub XoaDanhDau(control As IRibbonControl)
    RunPython "import thidua.excel as x; x.clear_marks()"
End Sub

' Huong dan: the guide is the first sheet; show it first, so that it appears even on a PC
' where Python is not set up yet, then let Python explain the buttons.
Public Sub HuongDan(control As IRibbonControl)
    On Error Resume Next
    ThisWorkbook.Worksheets(1).Activate
    On Error GoTo 0
    RunPython "import thidua.excel as x; x.show_help()"
End Sub
