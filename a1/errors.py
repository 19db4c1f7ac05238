"""A1's error codes, by name, and the one exception the client raises."""

from enum import IntEnum


class Code(IntEnum):
    """Every code in the official table, plus negative codes for failures on our side."""

    SUCCESS = 0
    INVALID_PARAMS = 10001
    UNSUPPORTED_SUFFIX = 10002
    MISSING_API_KEY = 10410
    INVALID_API_KEY = 10411
    RATE_LIMITED = 20000
    SERVER_ERROR = 20002
    SERVICE_INTERNAL_ERROR = 20003
    FILE_ERROR = 20100
    FILE_SUFFIX_ERROR = 20101
    APP_API_DISABLED = 324010
    QUANTITY_OUT_OF_RANGE = 324011
    APP_NOT_FOUND = 324012
    APP_UPDATED = 324013
    APP_UNPUBLISHED = 324018
    APP_VIP_ONLY = 324019
    MISSING_FILE = 400000
    MORE_THAN_ONE_FILE = 400001
    NOT_AN_IMAGE = 400002
    FILE_TOO_LARGE = 400003
    INVALID_FILE = 400004
    FORMAT_NOT_SUPPORTED = 400005
    DIMENSIONS_TOO_LARGE = 400006
    BALANCE_INSUFFICIENT = 810012
    # Ours: the request never produced an envelope.
    NETWORK_ERROR = -1
    TIMEOUT = -2
    BAD_RESPONSE = -3
    LINK_EXPIRED = -4
    REDIRECTED = -5  # an API call answered 3xx, never followed (the key would go along)


# (English, Chinese) exactly as the official table words them.
MESSAGES: dict[Code, tuple[str, str]] = {
    Code.SUCCESS: ("success", "成功"),
    Code.INVALID_PARAMS: ("invalid params", "无效的参数"),
    Code.UNSUPPORTED_SUFFIX: ("unsupported image suffix", "不支持的文件后缀"),
    Code.MISSING_API_KEY: ("Missing API key", "缺少API key"),
    Code.INVALID_API_KEY: ("Invalid API key", "无效的API key"),
    Code.RATE_LIMITED: ("too may request", "接口访问触发限流"),
    Code.SERVER_ERROR: ("server error", "服务器错误"),
    Code.SERVICE_INTERNAL_ERROR: ("service internal error", "服务内部错误"),
    Code.FILE_ERROR: ("file error", "文件异常"),
    Code.FILE_SUFFIX_ERROR: ("file suffix error", "文件后缀异常"),
    Code.APP_API_DISABLED: ("This app does not support API access", "此应用不支持通过API访问"),
    Code.QUANTITY_OUT_OF_RANGE: (
        "The quantity must not exceed 4",
        "单个应用单次请求生图数量1~4张",
    ),
    Code.APP_NOT_FOUND: ("This app does not exist", "无效的应用ID"),
    Code.APP_UPDATED: (
        "The application is updated. You need to obtain the application information again",
        "应用版本已更新,请重新获取应用信息",
    ),
    Code.APP_UNPUBLISHED: ("You can only use API of your built apps.", "调用他人的未发布应用api"),
    Code.APP_VIP_ONLY: (
        "No rights to use VIP app*Available after payment",
        "没有使用 vip app 的权益*付费后可用",
    ),
    Code.MISSING_FILE: ("Missing image file", "缺少图片文件"),
    Code.MORE_THAN_ONE_FILE: ("Only one image can be uploaded at a time", "一次只支持上传一张图片"),
    Code.NOT_AN_IMAGE: ("Non image format files are not supported", "不支持非图片格式文件"),
    Code.FILE_TOO_LARGE: ("The image file cannot exceed 10M", "图片文件不能超过10M"),
    Code.INVALID_FILE: ("Invalid file", "无效的文件"),
    Code.FORMAT_NOT_SUPPORTED: ("This image format is not supported", "不支持该图片格式"),
    Code.DIMENSIONS_TOO_LARGE: (
        "The size of the image file cannot exceed 2048*2048",
        "图片文件尺寸不能超过 2048*2048",
    ),
    Code.BALANCE_INSUFFICIENT: ("balance insufficient error", "账户余额不足"),
    Code.NETWORK_ERROR: ("Could not reach the A1 service", "无法连接 A1 服务"),
    Code.TIMEOUT: ("The A1 service did not answer in time", "A1 服务响应超时"),
    Code.BAD_RESPONSE: ("The A1 service sent an unreadable answer", "A1 服务返回了无法识别的内容"),
    Code.LINK_EXPIRED: ("The image link has expired", "图片链接已过期"),
    Code.REDIRECTED: (
        "The A1 service answered with a redirect, which is not followed so that the API key "
        "is never sent elsewhere: check A1_BASE_URL",
        "A1 服务返回了重定向；为避免 API key 被发往别处，不会跟随重定向：请检查 A1_BASE_URL",
    ),
}

# Codes that describe the image a user supplied: shown next to the image field.
IMAGE_CODES = frozenset(
    {
        Code.UNSUPPORTED_SUFFIX,
        Code.FILE_ERROR,
        Code.FILE_SUFFIX_ERROR,
        Code.MISSING_FILE,
        Code.MORE_THAN_ONE_FILE,
        Code.NOT_AN_IMAGE,
        Code.FILE_TOO_LARGE,
        Code.INVALID_FILE,
        Code.FORMAT_NOT_SUPPORTED,
        Code.DIMENSIONS_TOO_LARGE,
    }
)
# Codes that say the app itself cannot be used through the API.
APP_UNAVAILABLE_CODES = frozenset(
    {Code.APP_API_DISABLED, Code.APP_NOT_FOUND, Code.APP_UNPUBLISHED, Code.APP_VIP_ONLY}
)
# The answer was an error the server produced; a fresh attempt may succeed.
TRANSIENT_CODES = frozenset({Code.RATE_LIMITED, Code.SERVER_ERROR, Code.SERVICE_INTERNAL_ERROR})


def code_name(code: int) -> str:
    try:
        return Code(code).name
    except ValueError:
        return "UNKNOWN"


class A1Error(Exception):
    """Any failure of a call to A1, with what a person and a retry policy need to know.

    ``retry_safe`` is true when sending the same request again cannot spend points
    twice. ``outcome_unknown`` is true when a call that spends points may have been
    carried out although we got no answer (the subclass A1OutcomeUnknown).
    """

    outcome_unknown = False
    # Seconds A1 asked us to wait (its Retry-After header), when it said.
    retry_after: float | None = None

    def __init__(
        self,
        code: int,
        msg: str = "",
        msg_cn: str = "",
        *,
        http_status: int | None = None,
        retry_safe: bool = False,
        endpoint: str = "",
    ):
        known = MESSAGES.get(Code(code)) if code in Code._value2member_map_ else None
        self.code = code
        self.msg = msg or (known[0] if known else f"error {code}")
        self.msg_cn = msg_cn or (known[1] if known else self.msg)
        self.http_status = http_status
        self.retry_safe = retry_safe
        self.endpoint = endpoint
        super().__init__(str(self))

    @property
    def name(self) -> str:
        return code_name(self.code)

    def message(self, language: str = "en") -> str:
        """The message in the user's language (Chinese for any zh* code)."""
        return self.msg_cn if language.lower().startswith("zh") else self.msg

    def __str__(self) -> str:
        where = f" on {self.endpoint}" if self.endpoint else ""
        status = f", HTTP {self.http_status}" if self.http_status else ""
        return f"A1 error {self.code} {self.name}{where}: {self.msg}{status}"

    def __reduce__(self):
        # Picklable, so a task worker can store it in a result.
        return (
            _rebuild,
            (
                type(self),
                self.code,
                self.msg,
                self.msg_cn,
                self.http_status,
                self.retry_safe,
                self.endpoint,
            ),
        )


def _rebuild(cls, code, msg, msg_cn, http_status, retry_safe, endpoint):
    return cls(code, msg, msg_cn, http_status=http_status, retry_safe=retry_safe, endpoint=endpoint)


class A1OutcomeUnknown(A1Error):
    """A generate or optimize request may have reached A1 but we have no answer.

    It is never re-sent automatically: the points may already be spent.
    """

    outcome_unknown = True
