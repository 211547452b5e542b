// "Schedule a workshop": a community workshop is for its members only, so "Listed for everyone"
// hides while a community is chosen (the server ignores the box then; workshops/forms.py).

const community = document.getElementById("id_community");
const listed = document.querySelector("[data-listed-field]");
if (community && listed) {
  const follow = () => {
    listed.hidden = community.value !== "";
  };
  community.addEventListener("change", follow);
  follow();
}
