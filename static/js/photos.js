/* Photos shrunk on the phone before they are queued: longest side at most 1,600 px, JPEG, at most
   400 KB. Drawing on a canvas keeps only the pixels, so EXIF (the GPS position, the phone) is gone. */
(function () {
  "use strict";
  var MAX_SIDE = 1600;
  var MAX_BYTES = 400 * 1024;
  var QUALITIES = [0.82, 0.72, 0.62, 0.52, 0.42];

  function toBlob(canvas, quality) {
    if (canvas.convertToBlob) return canvas.convertToBlob({ type: "image/jpeg", quality: quality });
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", quality); });
  }

  function canvasOf(width, height) {
    if (typeof OffscreenCanvas !== "undefined") return new OffscreenCanvas(width, height);
    var canvas = document.createElement("canvas");
    canvas.width = width;
    canvas.height = height;
    return canvas;
  }

  function draw(bitmap, scale) {
    var width = Math.max(1, Math.round(bitmap.width * scale));
    var height = Math.max(1, Math.round(bitmap.height * scale));
    var canvas = canvasOf(width, height);
    var context = canvas.getContext("2d");
    context.fillStyle = "#fff"; // a transparent PNG becomes white, not black, in a JPEG
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0, width, height);
    return canvas;
  }

  /* Resolves to {blob, width, height}; rejects for a file that is not an image. */
  function shrink(file) {
    // The photo turned as the phone held it (EXIF orientation), before the EXIF is dropped.
    return createImageBitmap(file, { imageOrientation: "from-image" }).then(function (bitmap) {
      var scale = Math.min(1, MAX_SIDE / Math.max(bitmap.width, bitmap.height));
      var canvas = draw(bitmap, scale);
      var attempt = 0;
      function encode() {
        return toBlob(canvas, QUALITIES[Math.min(attempt, QUALITIES.length - 1)]).then(function (blob) {
          if (blob.size <= MAX_BYTES) return blob;
          attempt += 1;
          if (attempt >= QUALITIES.length) {
            // A very busy picture: smaller still, until it fits.
            scale *= 0.8;
            canvas = draw(bitmap, scale);
          }
          return encode();
        });
      }
      return encode().then(function (blob) {
        var result = { blob: blob, width: canvas.width, height: canvas.height };
        if (bitmap.close) bitmap.close();
        return result;
      });
    });
  }

  window.KubePhotos = { shrink: shrink, MAX_SIDE: MAX_SIDE, MAX_BYTES: MAX_BYTES };
})();
