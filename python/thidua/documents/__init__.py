"""The official documents written from a consolidation (báo cáo, tờ trình, quyết định, biên bản,
thông báo), in the format of Nghị định 30/2020/NĐ-CP, Phụ lục I and Quyết định 933/QĐ-TLĐ."""
from .write import (write_cluster_documents, write_decision, write_documents, write_meeting,  # noqa: F401
                    write_notice, write_proposal, write_report)
