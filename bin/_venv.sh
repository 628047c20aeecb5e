# Shared by bin/run and bin/test: create .venv with Python ≥ 3.11 and install a requirements file
# once (again only when the file changes).
ensure_venv() {
    local requirements="$1"
    local python="${PYTHON:-python3}"
    if [ ! -x .venv/bin/python ]; then
        if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
            echo "需要 Python 3.11 或更高版本（当前：$("$python" --version 2>&1)）。可用 PYTHON=python3.11 指定。" >&2
            exit 1
        fi
        echo "==> 创建虚拟环境 .venv"
        if ! "$python" -m venv .venv; then
            echo "创建虚拟环境失败。Debian/Ubuntu 请先安装：sudo apt-get install python3-venv" >&2
            exit 1
        fi
    fi
    local stamp=".venv/.installed-$(basename "$requirements")"
    local sum
    sum="$(cat requirements*.txt | sha256sum | cut -c1-16)"
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$sum" ]; then
        echo "==> 安装依赖（$requirements）"
        .venv/bin/python -m pip install --quiet --disable-pip-version-check -r "$requirements"
        echo "$sum" >"$stamp"
    fi
}
