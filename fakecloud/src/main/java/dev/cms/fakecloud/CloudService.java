package dev.cms.fakecloud;

/** One half of the fake cloud (Gmail + Google identity; later Graph + Microsoft identity). */
interface CloudService {
    /**
     * Serves a request, or returns null when the path is not this half's.
     *
     * @param batchPart whether the request arrived as a part of an HTTP batch
     */
    Response handle(Request request, boolean batchPart);
}
