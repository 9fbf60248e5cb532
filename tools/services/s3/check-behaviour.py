#!/usr/bin/env python3
"""Check the S3 behaviours Ferris relies on against a running server.

usage: python check-behaviour.py 's3://ferris/?endpoint=...&access_key_id=...&secret_access_key=...'
Needs boto3 (e.g. python3 -m venv /tmp/v && /tmp/v/bin/pip install boto3).
Works in its own bucket `ferris-behaviour-check` and deletes it at the end.
Exit code 1 when any check fails.
"""
import sys
from urllib.parse import urlsplit, parse_qs

import boto3
import botocore
from botocore.config import Config

q = {k: v[0] for k, v in parse_qs(urlsplit(sys.argv[1]).query).items()}
ep = q['endpoint']
ak, sk = q['access_key_id'], q['secret_access_key']
region = q.get('region', 'us-east-1')
def client(secret=sk):
    return boto3.client('s3', endpoint_url=ep, region_name=region, aws_access_key_id=ak,
        aws_secret_access_key=secret, config=Config(s3={'addressing_style': 'path'}, retries={'max_attempts': 1}))
s3 = client()
B = 'ferris-behaviour-check'
res = {}
def check(name, fn):
    try:
        ok, detail = fn()
    except Exception as e:
        ok, detail = False, f'{type(e).__name__}: {e}'
    res[name] = ok
    print(('PASS ' if ok else 'FAIL ') + name + ': ' + str(detail))
def code(e):
    return e.response.get('Error', {}).get('Code'), e.response.get('ResponseMetadata', {}).get('HTTPStatusCode')
try: s3.create_bucket(Bucket=B)
except botocore.exceptions.ClientError as e: print('create_bucket:', code(e))
s3.put_object(Bucket=B, Key='ten', Body=b'0123456789')
def suffix():
    r = s3.get_object(Bucket=B, Key='ten', Range='bytes=-5'); b = r['Body'].read()
    return b == b'56789' and r.get('ContentRange') == 'bytes 5-9/10', (b, r.get('ContentRange'), r['ResponseMetadata']['HTTPStatusCode'])
check('suffix range bytes=-5', suffix)
def suffix_long():
    r = s3.get_object(Bucket=B, Key='ten', Range='bytes=-50'); b = r['Body'].read()
    return b == b'0123456789', (b, r.get('ContentRange'), r['ResponseMetadata']['HTTPStatusCode'])
check('suffix range longer than object bytes=-50', suffix_long)
def mid():
    r = s3.get_object(Bucket=B, Key='ten', Range='bytes=2-4'); b = r['Body'].read()
    return b == b'234' and r.get('ContentRange') == 'bytes 2-4/10', (b, r.get('ContentRange'))
check('range bytes=2-4', mid)
def open_end():
    r = s3.get_object(Bucket=B, Key='ten', Range='bytes=7-'); b = r['Body'].read()
    return b == b'789', (b, r.get('ContentRange'))
check('range bytes=7-', open_end)
# listing
n = 1234
existing = s3.list_objects_v2(Bucket=B, Prefix='many/').get('KeyCount', 0)
if existing < n:
    from concurrent.futures import ThreadPoolExecutor
    with ThreadPoolExecutor(16) as ex:
        list(ex.map(lambda i: s3.put_object(Bucket=B, Key=f'many/{i:05d}', Body=b'x'), range(n)))
def listing(maxkeys):
    def f():
        keys, token, pages = [], None, 0
        while True:
            kw = dict(Bucket=B, Prefix='many/')
            if maxkeys: kw['MaxKeys'] = maxkeys
            if token: kw['ContinuationToken'] = token
            r = s3.list_objects_v2(**kw); pages += 1
            keys += [o['Key'] for o in r.get('Contents', [])]
            if not r.get('IsTruncated'): break
            token = r['NextContinuationToken']
            if pages > 50: return False, 'too many pages'
        want = [f'many/{i:05d}' for i in range(n)]
        return keys == want, f'{len(keys)} keys in {pages} pages (maxkeys={maxkeys})'
    return f
check('ListObjectsV2 default page (1000) + continuation', listing(None))
check('ListObjectsV2 MaxKeys=500 + continuation', listing(500))
def startafter():
    r = s3.list_objects_v2(Bucket=B, Prefix='many/', StartAfter='many/01200')
    ks = [o['Key'] for o in r.get('Contents', [])]
    return ks == [f'many/{i:05d}' for i in range(1201, n)], f'{len(ks)} keys'
check('ListObjectsV2 StartAfter', startafter)
def delim():
    s3.put_object(Bucket=B, Key='d/a/1', Body=b'1'); s3.put_object(Bucket=B, Key='d/b/2', Body=b'2'); s3.put_object(Bucket=B, Key='d/c', Body=b'3')
    r = s3.list_objects_v2(Bucket=B, Prefix='d/', Delimiter='/')
    cps = [p['Prefix'] for p in r.get('CommonPrefixes', [])]; ks = [o['Key'] for o in r.get('Contents', [])]
    return cps == ['d/a/', 'd/b/'] and ks == ['d/c'], (cps, ks)
check('ListObjectsV2 delimiter', delim)
# conditional writes
def expect_412(fn):
    try:
        fn(); return False, 'succeeded (expected 412)'
    except botocore.exceptions.ClientError as e:
        c = code(e); return c[1] == 412, c
try: s3.delete_object(Bucket=B, Key='cond')
except Exception: pass
def put_inm_new():
    r = s3.put_object(Bucket=B, Key='cond', Body=b'v1', IfNoneMatch='*'); return True, r['ETag']
check('PutObject If-None-Match:* on new key succeeds', put_inm_new)
check('PutObject If-None-Match:* on existing key -> 412', lambda: expect_412(lambda: s3.put_object(Bucket=B, Key='cond', Body=b'v2', IfNoneMatch='*')))
def unchanged():
    b = s3.get_object(Bucket=B, Key='cond')['Body'].read(); return b == b'v1', b
check('object unchanged after refused put', unchanged)
etag = s3.head_object(Bucket=B, Key='cond')['ETag']
check('PutObject If-Match wrong etag -> 412', lambda: expect_412(lambda: s3.put_object(Bucket=B, Key='cond', Body=b'v3', IfMatch='"00000000000000000000000000000000"')))
def put_im_ok():
    r = s3.put_object(Bucket=B, Key='cond', Body=b'v4', IfMatch=etag); b = s3.get_object(Bucket=B, Key='cond')['Body'].read(); return b == b'v4', b
check('PutObject If-Match right etag succeeds', put_im_ok)
def im_missing():
    try:
        s3.put_object(Bucket=B, Key='nope-never', Body=b'x', IfMatch=etag); return False, 'succeeded (expected 404 NoSuchKey)'
    except botocore.exceptions.ClientError as e:
        c = code(e); return c[1] in (404, 412), c
check('PutObject If-Match on missing key -> 404/412', im_missing)
etag = s3.head_object(Bucket=B, Key='cond')['ETag']
check('GetObject If-Match wrong -> 412', lambda: expect_412(lambda: s3.get_object(Bucket=B, Key='cond', IfMatch='"0000"')))
def get_inm():
    try:
        s3.get_object(Bucket=B, Key='cond', IfNoneMatch=etag); return False, 'returned body (expected 304)'
    except botocore.exceptions.ClientError as e:
        c = code(e); return c[1] == 304, c
check('GetObject If-None-Match current etag -> 304', get_inm)
def get_im_ok():
    return s3.get_object(Bucket=B, Key='cond', IfMatch=etag)['Body'].read() == b'v4', 'ok'
check('GetObject If-Match right etag -> 200', get_im_ok)
def mpu():
    m = s3.create_multipart_upload(Bucket=B, Key='mp')
    parts = []
    for n, body in ((1, b'a' * (5 * 1024 * 1024)), (2, b'tail')):
        r = s3.upload_part(Bucket=B, Key='mp', UploadId=m['UploadId'], PartNumber=n, Body=body); parts.append({'ETag': r['ETag'], 'PartNumber': n})
    s3.complete_multipart_upload(Bucket=B, Key='mp', UploadId=m['UploadId'], MultipartUpload={'Parts': parts})
    r = s3.get_object(Bucket=B, Key='mp', Range='bytes=-4'); b = r['Body'].read()
    return b == b'tail', (b, r.get('ContentRange'))
check('multipart upload + suffix range on it', mpu)
def badauth():
    try:
        client('wrong-secret').list_objects_v2(Bucket=B, MaxKeys=1); return False, 'wrong secret accepted'
    except botocore.exceptions.ClientError as e:
        c = code(e); return c[1] == 403, c
check('wrong secret key rejected (403)', badauth)
print('SUMMARY', sum(res.values()), '/', len(res), 'passed')
# Clean up: the bucket is ours alone.
for page in s3.get_paginator('list_objects_v2').paginate(Bucket=B):
    objs = [{'Key': o['Key']} for o in page.get('Contents', [])]
    for i in range(0, len(objs), 500):
        s3.delete_objects(Bucket=B, Delete={'Objects': objs[i:i + 500]})
for u in s3.list_multipart_uploads(Bucket=B).get('Uploads', []):
    s3.abort_multipart_upload(Bucket=B, Key=u['Key'], UploadId=u['UploadId'])
s3.delete_bucket(Bucket=B)
sys.exit(0 if all(res.values()) else 1)
