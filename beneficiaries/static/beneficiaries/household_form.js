/* The household form: "Tambah anggota" adds a member fieldset from the template the page holds. */
(function () {
  "use strict";
  var button = document.getElementById("add-member");
  if (!button) return;
  button.addEventListener("click", function () {
    var total = document.getElementById("id_members-TOTAL_FORMS");
    var html = document.getElementById("member-template").innerHTML.replace(/__prefix__/g, total.value);
    document.getElementById("members").insertAdjacentHTML("beforeend", html);
    total.value = parseInt(total.value, 10) + 1;
  });
})();
