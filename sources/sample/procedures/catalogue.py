"""The catalogue of administrative procedures the desks receive, with their volumes by level."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from sources.sample.procedures.desks import _Desks
from sources.sample.procedures.vocabulary import CITY, COMMUNE, DISTRICT


@dataclass(frozen=True)
class Procedure:
    """One administrative procedure (thủ tục hành chính) of the catalogue."""

    code: str
    name: str
    field: str
    weights: tuple[float, float, float]  # relative volume at city, district, commune desks
    legal_days: int  # legal processing time in working days; 0 = same day
    fee: bool
    department: str | None = None  # the city department that receives it (city level)


CATALOGUE: tuple[Procedure, ...] = (
    # City departments.
    Procedure(
        "1.004227",
        "Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam, "
        "người nước ngoài đang cư trú tại Việt Nam",
        "Lý lịch tư pháp",
        (18, 0, 0),
        10,
        True,
        "Sở Tư pháp",
    ),
    Procedure(
        "2.001610",
        "Đăng ký thành lập doanh nghiệp tư nhân",
        "Thành lập và hoạt động của doanh nghiệp",
        (9, 0, 0),
        3,
        True,
        "Sở Kế hoạch và Đầu tư",
    ),
    Procedure(
        "2.002019",
        "Đăng ký thay đổi nội dung đăng ký doanh nghiệp",
        "Thành lập và hoạt động của doanh nghiệp",
        (14, 0, 0),
        3,
        True,
        "Sở Kế hoạch và Đầu tư",
    ),
    Procedure(
        "1.002804",
        "Đổi giấy phép lái xe do ngành Giao thông vận tải cấp",
        "Đường bộ",
        (22, 0, 0),
        5,
        True,
        "Sở Giao thông vận tải",
    ),
    Procedure(
        "1.001009",
        "Cấp giấy phép xây dựng mới đối với công trình cấp đặc biệt, cấp I, cấp II",
        "Hoạt động xây dựng",
        (3, 0, 0),
        20,
        True,
        "Sở Xây dựng",
    ),
    Procedure(
        "1.005097",
        "Đăng ký biến động quyền sử dụng đất, quyền sở hữu tài sản gắn liền với đất",
        "Đất đai",
        (10, 0, 0),
        10,
        True,
        "Sở Tài nguyên và Môi trường",
    ),
    Procedure(
        "1.004616",
        "Cấp chứng chỉ hành nghề khám bệnh, chữa bệnh",
        "Khám bệnh, chữa bệnh",
        (5, 0, 0),
        20,
        True,
        "Sở Y tế",
    ),
    Procedure(
        "2.000205",
        "Cấp giấy phép lao động cho người lao động nước ngoài làm việc tại Việt Nam",
        "Việc làm",
        (8, 0, 0),
        5,
        True,
        "Sở Lao động - Thương binh và Xã hội",
    ),
    Procedure(
        "2.000620",
        "Cấp Giấy chứng nhận cơ sở đủ điều kiện an toàn thực phẩm",
        "An toàn thực phẩm",
        (4, 0, 0),
        15,
        True,
        "Sở Công Thương",
    ),
    Procedure(
        "1.005092",
        "Chuyển trường đối với học sinh trung học phổ thông",
        "Giáo dục trung học",
        (4, 0, 0),
        3,
        False,
        "Sở Giáo dục và Đào tạo",
    ),
    Procedure(
        "1.003622",
        "Cấp giấy phép tổ chức biểu diễn nghệ thuật",
        "Nghệ thuật biểu diễn",
        (3, 0, 0),
        5,
        False,
        "Sở Văn hóa và Thể thao",
    ),
    # District and commune one-stop desks.
    Procedure(
        "2.000815",
        "Chứng thực bản sao từ bản chính giấy tờ, văn bản do cơ quan tổ chức "
        "có thẩm quyền của Việt Nam cấp hoặc chứng nhận",
        "Chứng thực",
        (0, 22, 40),
        0,
        True,
    ),
    Procedure(
        "2.000884",
        "Chứng thực chữ ký trong các giấy tờ, văn bản",
        "Chứng thực",
        (0, 6, 14),
        0,
        True,
    ),
    Procedure(
        "2.000575",
        "Chứng thực hợp đồng, giao dịch liên quan đến tài sản là động sản, "
        "quyền sử dụng đất và nhà ở",
        "Chứng thực",
        (0, 0, 6),
        2,
        True,
    ),
    Procedure("1.004873", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", (0, 3, 8), 0, True),
    Procedure("1.001193", "Đăng ký khai sinh", "Hộ tịch", (0, 0, 9), 0, False),
    Procedure("1.000656", "Đăng ký khai tử", "Hộ tịch", (0, 0, 3), 0, False),
    Procedure("1.000894", "Đăng ký kết hôn", "Hộ tịch", (0, 0, 4), 0, False),
    Procedure(
        "1.004884", "Thay đổi, cải chính, bổ sung thông tin hộ tịch", "Hộ tịch", (0, 2, 3), 3, True
    ),
    Procedure("1.000110", "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", (0, 0, 7), 3, True),
    Procedure("1.001022", "Đăng ký kết hôn có yếu tố nước ngoài", "Hộ tịch", (0, 2, 0), 10, True),
    Procedure(
        "1.001612",
        "Đăng ký thành lập hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        (0, 14, 0),
        3,
        True,
    ),
    Procedure(
        "2.000720",
        "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh",
        "Thành lập và hoạt động của hộ kinh doanh",
        (0, 10, 0),
        3,
        True,
    ),
    Procedure(
        "1.009994",
        "Cấp giấy phép xây dựng mới đối với nhà ở riêng lẻ",
        "Hoạt động xây dựng",
        (0, 12, 0),
        15,
        True,
    ),
    Procedure(
        "1.004203",
        "Đăng ký, cấp Giấy chứng nhận quyền sử dụng đất, quyền sở hữu nhà ở "
        "và tài sản khác gắn liền với đất lần đầu",
        "Đất đai",
        (0, 8, 0),
        30,
        True,
    ),
    Procedure(
        "1.001766",
        "Cấp Giấy phép bán lẻ rượu",
        "Lưu thông hàng hóa trong nước",
        (0, 3, 0),
        10,
        True,
    ),
    Procedure(
        "2.000286",
        "Thực hiện, điều chỉnh, thôi hưởng trợ cấp xã hội hằng tháng",
        "Bảo trợ xã hội",
        (0, 0, 3),
        7,
        False,
    ),
    Procedure(
        "2.001157",
        "Hỗ trợ chi phí mai táng cho đối tượng bảo trợ xã hội",
        "Bảo trợ xã hội",
        (0, 0, 1),
        3,
        False,
    ),
)


@dataclass(frozen=True)
class _Catalogue:
    legal_days: np.ndarray
    fee: np.ndarray
    code: pa.Array
    name: pa.Array
    field: pa.Array
    weights: tuple[np.ndarray, np.ndarray, np.ndarray]  # probabilities per level
    weights_after_reform: tuple[np.ndarray, np.ndarray, np.ndarray]
    department: np.ndarray  # desk index of the city department, -1 if none


def _build_catalogue(desks: _Desks) -> _Catalogue:
    codes = [p.code for p in CATALOGUE]
    if len(set(codes)) != len(codes):
        raise ValueError("duplicate procedure code in CATALOGUE")
    for p in CATALOGUE:
        if (p.weights[CITY] > 0) != (p.department is not None):
            raise ValueError(f"{p.code}: a city-level procedure needs its department")
    raw = np.array([p.weights for p in CATALOGUE], dtype=float)
    # After the reform the communes perform what the districts did (business households,
    # house building permits, first land certificates ...).
    after = raw.copy()
    after[:, COMMUNE] += after[:, DISTRICT]
    after[:, DISTRICT] = 0.0

    def probabilities(w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return tuple(
            w[:, lv] / w[:, lv].sum() if w[:, lv].sum() else w[:, lv]
            for lv in (CITY, DISTRICT, COMMUNE)
        )

    return _Catalogue(
        legal_days=np.array([p.legal_days for p in CATALOGUE], dtype=np.int64),
        fee=np.array([p.fee for p in CATALOGUE]),
        code=pa.array(codes, pa.string()),
        name=pa.array([p.name for p in CATALOGUE], pa.string()),
        field=pa.array([p.field for p in CATALOGUE], pa.string()),
        weights=probabilities(raw),
        weights_after_reform=probabilities(after),
        department=np.array(
            [desks.department_of[p.department] if p.department else -1 for p in CATALOGUE]
        ),
    )
