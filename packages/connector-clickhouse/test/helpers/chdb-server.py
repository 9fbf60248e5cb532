# A current ClickHouse engine (chdb) behind a line protocol, for the connector's type-mapping test:
# each stdin line is {"sql": ..., "format": ...}; each stdout line is {"ok": true, "data": ...} or
# {"ok": false, "error": ...}. The session keeps its tables in the folder given as argv[1].
import json
import sys

from chdb import session

s = session.Session(sys.argv[1])
print(json.dumps({"ok": True, "data": "ready"}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    try:
        result = s.query(request["sql"], request.get("format", "TSV"))
        data = result.data() if hasattr(result, "data") else str(result)
        print(json.dumps({"ok": True, "data": data}), flush=True)
    except Exception as error:  # the connector classifies the text
        print(json.dumps({"ok": False, "error": str(error)}), flush=True)
