# A realm of its own on the run's real privacyIDEA (test/support/privacyidea-real-fixture.ts runs this with the
# peer's PYTHONPATH and PRIVACYIDEA_CONFIGFILE): an SQLite user table, its SQL resolver and realm, a local admin and
# an API-token admin with admin policies limited to that realm, and one HOTP token per user with a random secret.
# In-process through privacyIDEA's library, as the peer's seed.py does: POST /token/init would ignore a given otpkey,
# and admins and API tokens have no REST API. The seeded realm, users, tokens and policies are not touched.
#
# usage: privacyidea-real-fixture.py setup|teardown <work dir> <spec JSON>
# setup prints one line "FIXTURE_JSON <json>": the API token and each token's serial and secret.
import datetime
import json
import os
import secrets
import sqlite3
import sys

mode, work, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
etc = os.path.join(work, "etc")
users_db = os.path.join(etc, f"{spec['resolver']}.sqlite")

from privacyidea.app import create_app  # noqa: E402

app = create_app("production", os.path.join(etc, "pi.cfg"), silent=True)
with app.app_context():
    import jwt
    from privacyidea.lib.auth import create_db_admin, delete_db_admin
    from privacyidea.lib.policy import delete_policy, set_policy
    from privacyidea.lib.realm import delete_realm, set_realm
    from privacyidea.lib.resolver import delete_resolver, save_resolver
    from privacyidea.lib.token import get_tokens, init_token, remove_token
    from privacyidea.lib.user import User

    if mode == "setup":
        c = sqlite3.connect(users_db)
        c.execute("create table users (id integer primary key, username text unique, givenname text, surname text,"
                  " email text, password text)")
        c.executemany("insert into users values (?,?,?,?,?,'')",
                      [(2001 + i, u, u.split("-")[0].title(), "Tester", f"{u}@example.test")
                       for i, u in enumerate(spec["users"])])
        c.commit()
        c.close()
        save_resolver({"resolver": spec["resolver"], "type": "sqlresolver", "Driver": "sqlite", "Server": "",
                       "Database": users_db, "Table": "users", "Limit": "500", "Editable": "0",
                       "Map": json.dumps({"userid": "id", "username": "username", "givenname": "givenname",
                                          "surname": "surname", "email": "email", "password": "password"})})
        set_realm(spec["realm"], [{"name": spec["resolver"]}])
        create_db_admin(spec["admin"], password=spec["password"])
        for admin in (spec["admin"], spec["apiAdmin"]):
            set_policy(admin, scope="admin", adminuser=admin, realm=spec["realm"], action=spec["actions"])
        # What `pi-manage api createtoken -r admin -u <apiAdmin>` makes (privacyidea/cli/pimanage/api.py).
        api_token = jwt.encode({"username": spec["apiAdmin"], "realm": "API", "nonce": secrets.token_hex(20),
                                "role": "admin", "authtype": "API", "rights": "TODO",
                                "exp": datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=1)},
                               app.config["SECRET_KEY"], algorithm="HS256")
        tokens = []
        for u in spec["users"]:
            secret = secrets.token_hex(20)
            serial = f"HOTP-{u}".upper()
            init_token({"type": "hotp", "serial": serial, "otpkey": secret, "otplen": 6, "hashlib": "sha1"},
                       user=User(u, spec["realm"]))
            tokens.append({"user": u, "serial": serial, "secret_hex": secret})
        print("FIXTURE_JSON " + json.dumps({"apiToken": api_token, "tokens": tokens}))
    else:
        for t in get_tokens(realm=spec["realm"]):
            remove_token(t.token.serial)
        for admin in (spec["admin"], spec["apiAdmin"]):
            try:
                delete_policy(admin)
            except Exception:  # noqa: BLE001 - already gone
                pass
        try:
            delete_db_admin(spec["admin"])
        except Exception:  # noqa: BLE001
            pass
        for undo in (lambda: delete_realm(spec["realm"]), lambda: delete_resolver(spec["resolver"])):
            try:
                undo()
            except Exception:  # noqa: BLE001
                pass
        if os.path.exists(users_db):
            os.remove(users_db)
