Attribute VB_Name = "ThiDuaAddin"
' Thi dua - ribbon callbacks of the ThiDua.xlam add-in (cluster and industry staff).
'
' One small Sub per button. The work is done in Python, by thidua.excel.<function>(), which
' xlwings' RunPython starts (module "xlwings" of this project: xlwings' custom add-in module,
' which hands the ACTIVE workbook to Python as xw.Book.caller()). This text must stay ASCII
' (VBA keeps source in code page 1252); Vietnamese messages are written with \u escapes and
' turned into text by VN() below.
' Source of truth: xl/vba/ThiDuaAddin.bas in the thidua repository (thidua build-excel).
Option Explicit

' Tao bieu mau: issue one form per grassroots union from the plan workbook that is open.
Public Sub TaoBieuMau(control As IRibbonControl)
    If HasActiveWorkbook() Then RunPython "import thidua.excel as x; x.issue_forms()"
End Sub

' Tong hop cum: consolidate the returned forms of one cluster.
Public Sub TongHopCum(control As IRibbonControl)
    If HasActiveWorkbook() Then RunPython "import thidua.excel as x; x.consolidate_cluster()"
End Sub

' Tong hop nganh: consolidate the whole industry.
Public Sub TongHopNganh(control As IRibbonControl)
    If HasActiveWorkbook() Then RunPython "import thidua.excel as x; x.consolidate_industry()"
End Sub

' Kiem tra: check the active workbook (a returned form).
Public Sub KiemTra(control As IRibbonControl)
    If HasActiveWorkbook() Then RunPython "import thidua.excel as x; x.validate_active()"
End Sub

' xlwings' add-in module passes ActiveWorkbook to Python: without one it would fail.
Private Function HasActiveWorkbook() As Boolean
    HasActiveWorkbook = Not (ActiveWorkbook Is Nothing)
    If Not HasActiveWorkbook Then
        MsgBox VN("H\u00e3y m\u1edf t\u1ec7p k\u1ebf ho\u1ea1ch ho\u1eb7c bi\u1ec3u m\u1eabu c\u1ea7n l\u00e0m vi\u1ec7c r\u1ed3i b\u1ea5m l\u1ea1i n\u00fat."), _
               vbExclamation, VN("Thi \u0111ua")
    End If
End Function

' ASCII text with \uXXXX escapes -> Unicode text.
Private Function VN(ByVal s As String) As String
    Dim i As Long, r As String
    i = 1
    Do While i <= Len(s)
        If Mid$(s, i, 2) = "\u" And i + 5 <= Len(s) Then
            r = r & ChrW(CLng("&H" & Mid$(s, i + 2, 4)))
            i = i + 6
        Else
            r = r & Mid$(s, i, 1)
            i = i + 1
        End If
    Loop
    VN = r
End Function
