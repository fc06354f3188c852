(function () {
  "use strict";
  var form = document.getElementById("report");
  if (!form || !window.FormData || !window.fetch || !document.createElement("canvas").toBlob) {
    return; // an old browser sends the form as it is; the server resizes
  }
  var MAX_SIDE = 1600, MAX_PHOTOS = 3;

  // The GPS position in a JPEG's EXIF, or null: read only when the resident asks for it.
  function gps(buffer) {
    var v = new DataView(buffer), o = 2;
    if (v.byteLength < 4 || v.getUint16(0) !== 0xffd8) return null;
    while (o + 4 < v.byteLength) {
      var marker = v.getUint16(o), size = v.getUint16(o + 2);
      if (marker === 0xffe1 && v.getUint32(o + 4) === 0x45786966) return tiff(v, o + 10);
      o += 2 + size;
    }
    return null;
  }
  function tiff(v, start) {
    var le = v.getUint16(start) === 0x4949;
    function u16(p) { return v.getUint16(start + p, le); }
    function u32(p) { return v.getUint32(start + p, le); }
    function entries(ifd) {
      var n = u16(ifd), out = {};
      for (var i = 0; i < n; i++) {
        var e = ifd + 2 + i * 12;
        out[u16(e)] = e;
      }
      return out;
    }
    function rationals(e) {
      var p = u32(e + 8), r = [];
      for (var i = 0; i < 3; i++) r.push(u32(p + i * 8) / (u32(p + i * 8 + 4) || 1));
      return r[0] + r[1] / 60 + r[2] / 3600;
    }
    try {
      var main = entries(u32(4));
      if (!(0x8825 in main)) return null;
      var g = entries(u32(main[0x8825] + 8));
      if (!(2 in g) || !(4 in g)) return null;
      var lat = rationals(g[2]), lon = rationals(g[4]);
      if (1 in g && String.fromCharCode(v.getUint8(start + g[1] + 8)) === "S") lat = -lat;
      if (3 in g && String.fromCharCode(v.getUint8(start + g[3] + 8)) === "W") lon = -lon;
      return isFinite(lat) && isFinite(lon) ? [lat, lon] : null;
    } catch (err) {
      return null;
    }
  }
  // Drawn again at most 1600 px on a side: smaller to send, and without its metadata.
  function shrink(file) {
    return new Promise(function (done, fail) {
      var img = new Image(), url = URL.createObjectURL(file);
      img.onload = function () {
        var scale = Math.min(1, MAX_SIDE / Math.max(img.naturalWidth, img.naturalHeight));
        var c = document.createElement("canvas");
        c.width = Math.round(img.naturalWidth * scale);
        c.height = Math.round(img.naturalHeight * scale);
        c.getContext("2d").drawImage(img, 0, 0, c.width, c.height);
        URL.revokeObjectURL(url);
        c.toBlob(function (blob) { blob ? done(blob) : fail(); }, "image/jpeg", 0.82);
      };
      img.onerror = function () { URL.revokeObjectURL(url); fail(); };
      img.src = url;
    });
  }
  var problem = document.getElementById("problem");
  // What went wrong, said above the form: what the resident typed stays where it was.
  function say(message) {
    problem.querySelector("p").textContent = message;
    problem.hidden = false;
    problem.scrollIntoView();
  }
  form.addEventListener("submit", function (event) {
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files || []);
    event.preventDefault();
    if (files.length > MAX_PHOTOS) {
      say(form.getAttribute("data-too-many"));
      return;
    }
    problem.hidden = true;
    var button = document.getElementById("send");
    button.disabled = true;
    var data = new FormData(form);
    data.delete("photos");
    var wantPlace = form.use_location.checked;
    var work = files.map(function (file) {
      var place = wantPlace && file.arrayBuffer
        ? file.arrayBuffer().then(gps, function () { return null; })
        : Promise.resolve(null);
      return Promise.all([shrink(file).catch(function () { return file; }), place]);
    });
    Promise.all(work).then(function (done) {
      done.forEach(function (pair, n) {
        data.append("photos", pair[0], "photo" + (n + 1) + ".jpg");
        if (pair[1] && !data.get("lat")) {
          data.set("lat", pair[1][0]);
          data.set("lon", pair[1][1]);
        }
      });
      return fetch(form.action, { method: "POST", body: data });
    }).then(function (response) {
      if (response.redirected) {
        window.location.replace(response.url);
        return;
      }
      return response.text().then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var why = page.querySelector(".warn p");
        say(why ? why.textContent : form.getAttribute("data-failed"));
        button.disabled = false;
      });
    }).catch(function () {
      say(form.getAttribute("data-failed"));
      button.disabled = false;
    });
  });
})();
